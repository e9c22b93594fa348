import { readFileSync } from 'node:fs';

/**
 * The seed: the notes the claims catalogue quotes, kept in the repository (spec/seed) so that
 * every quote can be checked against them and cited by line. Nothing reads the copy outside
 * the repository that the project was started from.
 */
export const SEED_PATH = 'spec/seed/kafka-notes.md';

/** A spec/ file, from src/claims (tsx) or dist/src/claims (built) alike. */
export function specUrl(rel: string): URL {
  for (const up of ['../../', '../../../']) {
    const url = new URL(up + rel, import.meta.url);
    try {
      readFileSync(url);
      return url;
    } catch {
      // try the next layout
    }
  }
  throw new Error(`${rel} not found`);
}

let cached: string | undefined;

/** The seed's text. */
export function seedText(): string {
  return (cached ??= readFileSync(specUrl(SEED_PATH), 'utf8'));
}

/** Where a quote stands in the seed: its first and last line (1-based). */
export interface SeedCitation {
  readonly from: number;
  readonly to: number;
}

/**
 * A line as read, not as marked up: emphasis (`**`, `*`), a bullet, a number or a quote mark
 * at its start, and a leading 👉 go; the words stay.
 */
function plain(line: string): string {
  return line
    .replace(/\*+/g, '')
    .replace(/^\s*(?:[-+>]|\d+\.)\s+/, '')
    .replace(/^\s*👉\s*/u, '')
    .trim();
}

/**
 * The parts a quote joins: a catalogue quote runs a heading and its bullets together
 * ("Retention policies: Time-based (e.g., 7 days)") or elides ("... "); each part is words of
 * one line of the seed.
 */
export function quoteParts(quote: string): string[] {
  return quote
    .split(/\s*(?:\.\.\.|: |, |\? |\. )\s*|\s+(?=\()/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Lines a quote may span: a heading and the bullets under it. */
const SPAN = 12;

/**
 * Finds a quote in the seed: the first line holding its first part from which every later part
 * follows, in order, within SPAN lines. The parts it could not place otherwise.
 */
export function citeQuote(quote: string, seed: string = seedText()): SeedCitation | { readonly missing: readonly string[] } {
  const lines = seed.split('\n').map(plain);
  const parts = quoteParts(quote);
  let bestMissing = parts;
  for (let start = 0; start < lines.length; start++) {
    if (!lines[start]!.includes(parts[0]!)) continue;
    let at = start;
    const missing: string[] = [];
    for (const p of parts.slice(1)) {
      let found = -1;
      for (let i = at; i < Math.min(lines.length, start + SPAN); i++) {
        if (lines[i]!.includes(p)) {
          found = i;
          break;
        }
      }
      if (found < 0) missing.push(p);
      else at = found;
    }
    if (missing.length === 0) return { from: start + 1, to: at + 1 };
    if (missing.length < bestMissing.length) bestMissing = missing;
  }
  return { missing: bestMissing };
}

/** `spec/seed/kafka-notes.md:121` (or `:243-245`), or the path alone if the quote is not there. */
export function seedReference(quote: string): string {
  const c = citeQuote(quote);
  if ('missing' in c) return SEED_PATH;
  return `${SEED_PATH}:${c.from}${c.to > c.from ? `-${c.to}` : ''}`;
}

/** `line 121` or `lines 243-245` of the seed (for a table that names the file once). */
export function seedLines(quote: string): string {
  const c = citeQuote(quote);
  if ('missing' in c) return 'not in the seed';
  return c.to > c.from ? `lines ${c.from}-${c.to}` : `line ${c.from}`;
}
