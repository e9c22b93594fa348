import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';

/**
 * A file's first line, read up to its first newline (at most `maxBytes`), so that telling what a
 * file is does not read all of a large one; '' when it cannot be read.
 */
export function firstLine(path: string, maxBytes = 1 << 20): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(64 * 1024, maxBytes - total));
      const n = readSync(fd, buf, 0, buf.length, total);
      if (n === 0) break;
      const nl = buf.subarray(0, n).indexOf(10);
      chunks.push(buf.subarray(0, nl >= 0 ? nl : n));
      total += n;
      if (nl >= 0 || total >= maxBytes) break;
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A generated file's current content, or undefined when there is none. */
export function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The generated files whose content on disk is not what the code makes now (for --check). */
export function staleFiles(files: ReadonlyMap<string, string>): string[] {
  return [...files].filter(([path, content]) => readOrUndefined(path) !== content).map(([path]) => path);
}

/** Write generated files, creating their folders; a file that cannot be written is one line, exit 2. */
export function writeFiles(files: ReadonlyMap<string, string>): void {
  for (const [path, content] of files) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    } catch (e) {
      throw new InputError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
}

/**
 * The generated-looking files (.json, .html) directly in `dir` that are not among `files`: what
 * an earlier run left behind. A folder that does not exist has none.
 */
export function leftoverFiles(dir: string, files: ReadonlyMap<string, string>): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const generated = new Set([...files.keys()].map((p) => join(p)));
  return names
    .filter((n) => /\.(json|html)$/.test(n))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => !generated.has(join(p)));
}

export function removeFiles(paths: readonly string[]): void {
  for (const p of paths) {
    try {
      rmSync(p);
    } catch (e) {
      throw new InputError(`${p}: cannot remove (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
}
