/**
 * The shape of Kafka's message definitions (clients/src/main/resources/common/message/*.json),
 * as the schema-driven codec reads them. Versions are Kafka's strings: "0+", "3-5", "none".
 */
export interface FieldSpec {
  readonly name: string;
  /** int8 int16 uint16 int32 uint32 int64 float64 bool string bytes records uuid, a struct name, or []T. */
  readonly type: string;
  readonly versions: string;
  readonly nullableVersions?: string;
  /** A tagged field (KIP-482): written only in `taggedVersions`, after the struct's other fields. */
  readonly tag?: number;
  readonly taggedVersions?: string;
  /** Overrides the message's flexible versions for this field (RequestHeader's ClientId: "none"). */
  readonly flexibleVersions?: string;
  readonly default?: string | number | boolean;
  readonly fields?: readonly FieldSpec[];
}

export interface MessageSpec {
  readonly apiKey?: number;
  readonly type: 'request' | 'response' | 'header';
  readonly name: string;
  readonly validVersions: string;
  readonly flexibleVersions: string;
  readonly deprecatedVersions?: string;
  readonly fields: readonly FieldSpec[];
  readonly commonStructs?: readonly { readonly name: string; readonly versions: string; readonly fields: readonly FieldSpec[] }[];
}
