import { InvalidArgumentError } from 'commander';

/** Parse a non-negative safe integer flag value, or say clearly what was expected. */
export function parseNonNegativeInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${value}"`);
    }
    return Number(value);
  };
}

export const parseSeed = parseNonNegativeInt('seed');
