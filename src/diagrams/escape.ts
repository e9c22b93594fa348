/**
 * Escaping for the three text formats the diagrams are written in. Mermaid has no backslash
 * escapes; it has entity codes (`#35;` for `#`), which it decodes after parsing, so every
 * character its grammars treat specially is written as one. The rules below follow Mermaid's
 * stateDiagram and sequenceDiagram lexers: `#` starts a comment, `;` ends a statement, `:` ends
 * a state-diagram label, `%%` starts a comment anywhere on a line, `"` ends a quoted name, and
 * `<` (and `&` before a letter) would be read as HTML.
 */

/** Characters special everywhere, and those special only in state diagrams (`:` ends a label). */
const mermaidSpecial = /[#;%"<`]|&(?=[A-Za-z#])/g;
const mermaidStateSpecial = /[#;%"<`:{}]|&(?=[A-Za-z#])/g;

/**
 * Text safe inside a Mermaid label, note, alias or quoted state name, on one line. `context`
 * is the diagram it goes into: state diagrams also reserve `:` (and braces, for blocks).
 */
export function mermaidText(s: string, context: 'state' | 'sequence' = 'state'): string {
  return s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(context === 'state' ? mermaidStateSpecial : mermaidSpecial, (c) => `#${c.codePointAt(0)};`);
}

/**
 * Words that Mermaid's state-diagram lexer reads as keywords where an id could stand. Its lexer
 * takes the first rule that matches, not the longest, and `default` has a rule of its own, so
 * even an id that merely starts with `default` would be split.
 */
const mermaidReserved = new Set(['state', 'note', 'class', 'classdef', 'direction', 'scale', 'hide', 'end']);

/** A Mermaid identifier made from any string: letters, digits and `_`, never a keyword. */
export function mermaidId(s: string): string {
  let id = s.replace(/[^A-Za-z0-9_]/g, '_');
  if (id === '' || /^[0-9]/.test(id) || /^default/i.test(id)) id = `s_${id}`;
  if (mermaidReserved.has(id.toLowerCase())) id = `${id}_`;
  return id;
}

/** The body of a DOT double-quoted string (without the quotes). Newlines become `\n`. */
export function dotString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n');
}

/** A DOT quoted id or label, quotes included. */
export function dotQuote(s: string): string {
  return `"${dotString(s)}"`;
}

/** Text safe in XML character data and attribute values. */
export function xmlText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}
