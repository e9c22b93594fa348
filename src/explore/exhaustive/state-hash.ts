import { createHash } from 'node:crypto';
import type { World } from '../../sim/world.js';

/**
 * JSON of a value, with Maps and Sets written as their entries (machine contexts hold them) and
 * functions left out: two states that print the same are the same state. Keys keep their
 * insertion order, so two equal states built in different orders may print differently: that
 * costs a state visited twice, never a state missed.
 */
function replacer(_key: string, v: unknown): unknown {
  if (v instanceof Map) return { '<map>': [...v] };
  if (v instanceof Set) return { '<set>': [...v] };
  if (typeof v === 'function') return undefined;
  if (typeof v === 'bigint') return `${v}n`;
  return v;
}

/**
 * The hash of the whole world, as TLC and Stateright hash a state: every actor's persisted XState
 * snapshot (state value and context), every disk, the network, and the event queue with times
 * relative to now (World.kernelState). SHA-1 is enough: a collision would merge two states, and
 * a 160-bit hash makes one far less likely than a bug in the model.
 */
export function stateHash(world: World): string {
  return createHash('sha1').update(JSON.stringify(world.kernelState(), replacer)).digest('base64');
}
