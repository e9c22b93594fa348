/**
 * An input the user gave us was wrong (a flag, a file, a field in a scenario).
 * The CLI prints `kafka-model: <message>` on one line and exits with code 2.
 * The message names what was wrong and where, and what was expected.
 */
export class InputError extends Error {
  override readonly name: string = 'InputError';
}

/** The release named lacks a feature the input needs (transactions before 0.11, ...). */
export class FeatureUnavailable extends InputError {
  override readonly name = 'FeatureUnavailable';
}
