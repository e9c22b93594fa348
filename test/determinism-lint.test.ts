import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Determinism is a contract: on the simulation path, time comes from the kernel's virtual clock
 * and randomness from its seeded source. These are the only places allowed wall time or
 * real timers, each for a reason that is not simulation:
 */
const allowed: Record<string, string> = {
  'src/sim/clock.ts': "the kernel's virtual clock: XState's setTimeout/clearTimeout interface, implemented on the event queue",
  'src/cli/wallclock.ts': 'elapsed time and rates for progress lines and --json elapsedMs (never read by the simulation)',
  'src/explore/yield.ts': 'gives the event loop a turn between runs of a search, never inside one',
  'src/oracle/conform/': 'drives a live cluster over real sockets in real time',
  'src/wire/server.ts': "serve mode: real clients' sockets, and the World's clock kept up with wall time (outside the simulation path)",
  'src/wire/live-cluster.ts': 'serve mode: virtual time follows wall time',
  'src/wire/pending.ts': "serve mode: how long a client connection or the controller channel waits for the model's answer, in wall time",
  'src/wire/controller-channel.ts': "serve mode: a real client's CreateTopics/DeleteTopics waits for the model's controller in wall time (what enters the World is journaled)",
  'src/wire/nemesis.ts': "serve --nemesis: a fault every wall-clock interval (each enters the World at its virtual time, journaled)",
  'src/cli/commands/serve.ts': 'serve --duration: stops the live server after so many wall-clock seconds',
};

const forbidden = [/\bMath\.random\b/, /\bDate\.now\b/, /\bnew Date\b/, /\bsetTimeout\b/, /\bsetInterval\b/, /\bperformance\.now\b/, /\bsetImmediate\b/, /\bprocess\.hrtime\b/];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('determinism lint', () => {
  it('sim-no-wall-clock: src/ uses no Math.random, Date, timers or performance.now outside the allowed places', () => {
    const root = join(import.meta.dirname, '..');
    const offenders: string[] = [];
    for (const file of files(join(root, 'src'))) {
      const rel = relative(root, file).split('\\').join('/');
      if (Object.keys(allowed).some((a) => (a.endsWith('/') ? rel.startsWith(a) : rel === a))) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // comments may name the forbidden APIs (to explain why they are not used)
          const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
          for (const re of forbidden) if (re.test(code)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it('the lint itself catches a forbidden call', () => {
    expect(forbidden.some((re) => re.test('const x = Math.random();'))).toBe(true);
    expect(forbidden.some((re) => re.test('setTimeout(() => {}, 1)'))).toBe(true);
  });
});
