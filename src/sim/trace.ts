import { createHash } from 'node:crypto';
import type { NodeId } from './network.js';
import type { Fault } from './faults.js';

/**
 * Everything that happened in a run, in the order it happened. Each entry carries the virtual
 * time `t`. The serialisation (JSON Lines, keys in a fixed order) is the contract behind
 * "same scenario, same trace, byte for byte"; the hash is SHA-256 of that serialisation.
 */
export type TraceEvent =
  | { t: number; e: 'deliver'; from: NodeId; to: NodeId; sent: number; msg: unknown }
  | { t: number; e: 'drop'; from: NodeId; to: NodeId; sent: number; msg: unknown; reason: DropReason }
  | { t: number; e: 'state'; node: NodeId; from: unknown; to: unknown }
  | { t: number; e: 'timer'; node: NodeId }
  | { t: number; e: 'fault'; fault: Fault; effect?: string }
  | { t: number; e: 'disk'; node: NodeId; op: string; file: string; n: number }
  | { t: number; e: 'note'; node: NodeId; text: string; data?: unknown }
  | { t: number; e: 'violation'; property: string; message: string };

export type DropReason = 'partitioned' | 'connection-lost' | 'sender-down' | 'receiver-down';

/** `full` keeps every entry (for replay, stories, diagrams); `off` only counts them (for search). */
export type TraceMode = 'full' | 'off';

export class Trace {
  private readonly entries: TraceEvent[] = [];
  private count_ = 0;

  constructor(readonly mode: TraceMode = 'full') {}

  record(ev: TraceEvent): void {
    this.count_++;
    if (this.mode === 'full') this.entries.push(ev);
  }

  /** Count an entry without keeping it (the trace is off). */
  count(): void {
    this.count_++;
  }

  get length(): number {
    return this.count_;
  }

  events(): readonly TraceEvent[] {
    return this.entries;
  }

  /** JSON Lines, one entry per line. */
  *lines(): Generator<string> {
    for (const ev of this.entries) yield JSON.stringify(ev);
  }

  serialize(): string {
    let out = '';
    for (const line of this.lines()) out += line + '\n';
    return out;
  }

  /** SHA-256 of the serialisation; undefined when the trace was not kept. */
  hash(): string | undefined {
    if (this.mode !== 'full') return undefined;
    const h = createHash('sha256');
    for (const line of this.lines()) h.update(line + '\n');
    return h.digest('hex');
  }
}
