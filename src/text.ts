/**
 * "1 key", "2 keys": a count with its noun, for what the commands print. Not for anything on the
 * simulation path (a violation's message is part of the trace, and so of its hash).
 */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
