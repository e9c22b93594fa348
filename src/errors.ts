/**
 * An input the user gave us was wrong (a flag, a file, a field in a scenario).
 * The CLI prints `kafka-model: <message>` on one line and exits with code 2.
 * The message names what was wrong and where, and what was expected.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}
