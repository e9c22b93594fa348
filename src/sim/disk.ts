import type { Rng } from './rng.js';

/**
 * A node's disk (design decision 4): every write goes to the page cache first and is durable
 * only after an fsync of its file. A crash keeps the durable content; with `tearOnCrash`, the
 * OS may already have written back part of what was pending, so a prefix of the pending writes
 * survives and the last of them may be torn (only some of its entries reach the platter).
 *
 * Files hold entries (opaque, structured values), not bytes: the unit of tearing is the entry.
 */
export type DiskWrite<E> =
  | { readonly op: 'append'; readonly entries: readonly E[] }
  | { readonly op: 'truncate'; readonly length: number }
  | { readonly op: 'replace'; readonly entries: readonly E[] };

export interface FileState<E> {
  durable: E[];
  pending: DiskWrite<E>[];
}

export interface CrashOutcome {
  /** Per file: how many pending writes were dropped or torn. */
  readonly lostWrites: Record<string, number>;
}

export class Disk<E = unknown> {
  private files = new Map<string, FileState<E>>();

  private file(name: string): FileState<E> {
    let f = this.files.get(name);
    if (!f) {
      f = { durable: [], pending: [] };
      this.files.set(name, f);
    }
    return f;
  }

  append(name: string, entries: readonly E[]): void {
    if (entries.length > 0) this.file(name).pending.push({ op: 'append', entries: entries.slice() });
  }

  truncate(name: string, length: number): void {
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`truncate ${name} to ${length}`);
    this.file(name).pending.push({ op: 'truncate', length });
  }

  /**
   * Remove every file of a directory (`dir/...`), durably and at once: a deleted partition's log
   * directory (Kafka renames it `-delete` and removes it in the background; the model does not
   * tell the two apart).
   */
  deleteDir(dir: string): void {
    for (const name of [...this.files.keys()]) if (name.startsWith(`${dir}/`)) this.files.delete(name);
  }

  /** Replace the whole file (Kafka writes checkpoint files this way: write a temp file, rename). */
  replace(name: string, entries: readonly E[]): void {
    this.file(name).pending.push({ op: 'replace', entries: entries.slice() });
  }

  /**
   * Every file's durable entries and pending writes, by name in sorted order: what two disks
   * must agree on to be the same state (the state hash of exhaustive exploration).
   */
  state(): [string, FileState<E>][] {
    return [...this.files.keys()].sort().map((name) => [name, this.files.get(name)!]);
  }

  /** Make every pending write of the file durable. */
  fsync(name: string): void {
    const f = this.files.get(name);
    if (!f) return;
    for (const w of f.pending) applyWrite(f.durable, w);
    f.pending = [];
  }

  fsyncAll(): void {
    for (const name of this.fileNames()) this.fsync(name);
  }

  /** What a reader sees now: durable content with pending writes applied (the page cache). */
  read(name: string): E[] {
    const f = this.files.get(name);
    if (!f) return [];
    const view = f.durable.slice();
    for (const w of f.pending) applyWrite(view, w);
    return view;
  }

  /** The durable content only: what a crash right now would leave. */
  readDurable(name: string): E[] {
    return this.files.get(name)?.durable.slice() ?? [];
  }

  unflushedWrites(name: string): number {
    return this.files.get(name)?.pending.length ?? 0;
  }

  /** Sorted, so iteration order never depends on the order files were created in. */
  fileNames(): string[] {
    return [...this.files.keys()].sort();
  }

  /**
   * Power loss. Without `tear`, exactly the unflushed writes are dropped. With `tear`, a
   * random prefix of them survives and the last surviving append may be cut short.
   */
  crash(tear?: Rng): CrashOutcome {
    const lostWrites: Record<string, number> = {};
    for (const name of this.fileNames()) {
      const f = this.files.get(name)!;
      const pending = f.pending;
      f.pending = [];
      if (pending.length === 0) continue;
      let survive = 0;
      if (tear) {
        survive = tear.int(0, pending.length);
        for (let i = 0; i < survive; i++) {
          const w = pending[i]!;
          if (i === survive - 1 && w.op === 'append' && w.entries.length > 1) {
            applyWrite(f.durable, { op: 'append', entries: w.entries.slice(0, tear.int(1, w.entries.length)) });
          } else {
            applyWrite(f.durable, w);
          }
        }
      }
      lostWrites[name] = pending.length - survive;
    }
    return { lostWrites };
  }
}

function applyWrite<E>(content: E[], w: DiskWrite<E>): void {
  switch (w.op) {
    case 'append':
      for (const e of w.entries) content.push(e);
      return;
    case 'truncate':
      if (w.length < content.length) content.length = w.length;
      return;
    case 'replace':
      content.length = 0;
      for (const e of w.entries) content.push(e);
      return;
  }
}
