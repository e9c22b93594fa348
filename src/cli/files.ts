import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';

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
