// Neither package ships type declarations; these are the two functions the wire codec uses.
declare module 'snappyjs' {
  export function uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
  export function compress(data: Uint8Array): Uint8Array;
}
declare module 'lz4js' {
  export function decompress(data: Uint8Array, maxSize?: number): Uint8Array;
  export function compress(data: Uint8Array, maxSize?: number): Uint8Array;
}
