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

/**
 * Something this machine lacks that the command needs (a compiler, a system library): one line
 * naming what to install, exit 2, like any other input the user can fix.
 */
export class PrerequisiteMissing extends InputError {
  override readonly name = 'PrerequisiteMissing';
}
