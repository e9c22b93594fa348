import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, decodeRequestHeader, encodeMessage, encodeRequestHeader, inRange, Reader, validRange, Writer, type Struct } from '../../src/wire/codec.js';
import { messages } from '../../src/wire/schema/messages.js';
import type { FieldSpec, MessageSpec } from '../../src/wire/schema/types.js';

/**
 * A value for every field of a message at a version, each different from its default (so a
 * field the codec dropped, misplaced or wrote at the wrong width shows), nulls where nullable.
 */
function sample(spec: MessageSpec, version: number, seed: number): Struct {
  let n = seed;
  const structs = new Map((spec.commonStructs ?? []).map((s) => [s.name, s.fields]));
  const value = (f: FieldSpec, type: string): unknown => {
    n++;
    if (type.startsWith('[]')) return n % 7 === 0 && inRange(f.nullableVersions, version) ? null : [value(f, type.slice(2)), value(f, type.slice(2))];
    switch (type) {
      case 'bool':
        return n % 2 === 0;
      case 'int8':
        return (n % 100) - 50;
      case 'int16':
        return 1000 + n;
      case 'uint16':
        return 60000 + n;
      case 'int32':
        return 100000 + n * 7;
      case 'uint32':
        return 3000000000 + n;
      case 'int64':
        return 5000000000n + BigInt(n);
      case 'float64':
        return n + 0.5;
      case 'string':
        return n % 5 === 0 && inRange(f.nullableVersions, version) ? null : `s${n}-ü`;
      case 'bytes':
      case 'records':
        return n % 5 === 0 && inRange(f.nullableVersions, version) ? null : Buffer.from([n & 0xff, 1, 2]);
      case 'uuid':
        return Buffer.alloc(16, n & 0xff);
      default:
        return struct(f.fields ?? structs.get(type)!);
    }
  };
  const struct = (fields: readonly FieldSpec[]): Struct => {
    const out: Struct = {};
    for (const f of fields) if (inRange(f.versions, version)) out[f.name] = value(f, f.type);
    return out;
  };
  return struct(spec.fields);
}

describe('wire codec: the schema table (Kafka message JSON, vendored)', () => {
  const bodies = Object.values(messages).filter((m) => m.type !== 'header');

  it('wire-codec-roundtrip: every request and response, at every version Kafka defines, decodes to what was encoded', () => {
    let checked = 0;
    for (const spec of bodies) {
      const [lo, hi] = validRange(spec);
      for (let v = lo; v <= hi; v++) {
        const value = sample(spec, v, v * 31);
        const bytes = encodeMessage(spec.name, v, value).toBuffer();
        const r = new Reader(bytes);
        expect(decodeMessage(spec.name, v, r), `${spec.name} v${v}`).toEqual(value);
        expect(r.remaining, `${spec.name} v${v} left bytes unread`).toBe(0);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('flexible versions use compact strings and tagged fields; older versions do not', () => {
    // MetadataRequest v8 (not flexible): int32 array length, int16 string length.
    const v8 = encodeMessage('MetadataRequest', 8, { Topics: [{ Name: 'ab' }], AllowAutoTopicCreation: true, IncludeClusterAuthorizedOperations: false, IncludeTopicAuthorizedOperations: false }).toBuffer();
    expect([...v8]).toEqual([0, 0, 0, 1, 0, 2, 0x61, 0x62, 1, 0, 0]);
    // v9 (flexible, KIP-482): uvarint length + 1, and an empty tagged-field section per struct.
    const v9 = encodeMessage('MetadataRequest', 9, { Topics: [{ Name: 'ab' }], AllowAutoTopicCreation: true, IncludeClusterAuthorizedOperations: false, IncludeTopicAuthorizedOperations: false }).toBuffer();
    expect([...v9]).toEqual([2, 3, 0x61, 0x62, 0, 1, 0, 0, 0]);
  });

  it('a tagged field is written only when it differs from its default, and read back', () => {
    const base = { ErrorCode: 0, ApiKeys: [], ThrottleTimeMs: 0 };
    const plain = encodeMessage('ApiVersionsResponse', 3, base).toBuffer();
    const tagged = encodeMessage('ApiVersionsResponse', 3, { ...base, FinalizedFeaturesEpoch: 7n }).toBuffer();
    expect(tagged.length).toBeGreaterThan(plain.length);
    expect(decodeMessage('ApiVersionsResponse', 3, new Reader(tagged))['FinalizedFeaturesEpoch']).toBe(7n);
    expect(decodeMessage('ApiVersionsResponse', 3, new Reader(plain))['FinalizedFeaturesEpoch']).toBe(-1n);
  });

  it('an unknown tagged field is skipped (KIP-482)', () => {
    const w = new Writer();
    w.uvarint(1); // ClientSoftwareName: empty compact string
    w.uvarint(1);
    w.uvarint(1); // one tagged field
    w.uvarint(99); // tag 99, unknown
    w.uvarint(2);
    w.raw(Buffer.from([7, 7]));
    const r = new Reader(w.toBuffer());
    expect(decodeMessage('ApiVersionsRequest', 3, r)).toEqual({ ClientSoftwareName: '', ClientSoftwareVersion: '' });
    expect(r.remaining).toBe(0);
  });

  it('request headers v1 and v2 round trip; ClientId stays a non-compact string in v2', () => {
    for (const [apiKey, apiVersion] of [
      [3, 8],
      [3, 9],
    ] as const) {
      const h = { apiKey, apiVersion, correlationId: 42, clientId: 'kcat' };
      const bytes = encodeRequestHeader(h).toBuffer();
      expect(bytes.readInt16BE(8)).toBe(4);
      const r = new Reader(bytes);
      expect(decodeRequestHeader(r)).toEqual(h);
      expect(r.remaining).toBe(0);
    }
  });

  it('varints and varlongs round trip (zig-zag, LEB128)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (i, l) => {
        const w = new Writer();
        w.varint(i);
        w.varlong(l);
        const r = new Reader(w.toBuffer());
        expect([r.varint(), r.varlong(), r.remaining]).toEqual([i, l, 0]);
      }),
    );
  });

  it('a truncated body is malformed, not misread', () => {
    const bytes = encodeMessage('JoinGroupRequest', 5, sample(messages['JoinGroupRequest']!, 5, 1)).toBuffer();
    expect(() => decodeMessage('JoinGroupRequest', 5, new Reader(bytes.subarray(0, bytes.length - 3)))).toThrow(/frame ends early/);
  });
});
