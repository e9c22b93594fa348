/**
 * librdkafka's mock cluster (rdkafka_mock.h) as a live, third-party Kafka-protocol target.
 * The launcher is native/mock-cluster.c, compiled on first use with the system C compiler
 * against the Debian package librdkafka-dev; see that file for the command language.
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PrerequisiteMissing } from '../../errors.js';

/** native/ at the package root: src/oracle/conform/ and dist/oracle/conform/ are both three deep. */
const nativeDir = fileURLToPath(new URL('../../../native/', import.meta.url));
const launcherSource = `${nativeDir}mock-cluster.c`;
const buildScript = `${nativeDir}build.sh`;
export const launcherPath = `${nativeDir}build/mock-cluster`;

/** Kafka protocol API keys and error codes the runner's faults use. */
export const ApiKey = { Produce: 0, Fetch: 1 } as const;
export const KafkaError = { REQUEST_TIMED_OUT: 7, NOT_ENOUGH_REPLICAS: 19 } as const;

/** Whether librdkafka's mock API header is installed (Debian: librdkafka-dev). */
export function librdkafkaAvailable(): boolean {
  return existsSync('/usr/include/librdkafka/rdkafka_mock.h');
}

/**
 * Compiles the launcher unless an up-to-date binary exists. Without librdkafka's headers or a
 * working compiler it throws PrerequisiteMissing: one line, naming what to install.
 */
export function buildLauncher(out: string = launcherPath): string {
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(launcherSource).mtimeMs) {
    return out;
  }
  if (!librdkafkaAvailable()) {
    throw new PrerequisiteMissing("--mock-cluster needs librdkafka's mock cluster (rdkafka_mock.h): install the Debian package librdkafka-dev");
  }
  const r = spawnSync('sh', [buildScript, out], { encoding: 'utf8' });
  if (r.status !== 0) {
    // The compiler's first complaint is enough to act on ("gcc: not found", a missing header).
    const first = (r.stderr ?? '').split('\n').map((l) => l.trim()).find((l) => l !== '') ?? r.error?.message ?? `exit status ${String(r.status)}`;
    throw new PrerequisiteMissing(`--mock-cluster: cannot build its launcher (native/mock-cluster.c) with ${process.env['CC'] ?? 'gcc'}: ${first} (it needs gcc and the Debian package librdkafka-dev)`);
  }
  return out;
}

export interface MockClusterOptions {
  /** Number of brokers (ids 1..brokers). Default 1. */
  brokers?: number;
  /** How long to wait for the launcher to print its bootstrap line. Default 10 s. */
  startTimeoutMs?: number;
}

export class MockCluster {
  private readonly lines: string[] = [];
  private wake: (() => void) | undefined;
  private exited = false;
  private stderr = '';
  /** Commands are answered in order; this chain keeps concurrent callers from interleaving. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    readonly bootstrap: string[],
  ) {}

  static async start(options: MockClusterOptions = {}): Promise<MockCluster> {
    const path = buildLauncher();
    const child = spawn(path, [String(options.brokers ?? 1)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const cluster = new MockCluster(child, []);
    cluster.listen();
    const first = await cluster.nextLine(options.startTimeoutMs ?? 10_000).catch(async (e: unknown) => {
      await cluster.close();
      throw e;
    });
    const m = /^BOOTSTRAP (\S+)$/.exec(first);
    if (!m?.[1]) {
      await cluster.close();
      throw new Error(`mock-cluster launcher: unexpected first line ${JSON.stringify(first)}`);
    }
    cluster.bootstrap.push(...m[1].split(','));
    return cluster;
  }

  private listen(): void {
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(line);
      this.wake?.();
    });
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.child.on('exit', () => {
      this.exited = true;
      this.wake?.();
    });
    // A write after the launcher died must not crash the runner; command() reports it.
    this.child.stdin.on('error', () => undefined);
  }

  private async nextLine(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) return line;
      if (this.exited) throw new Error(`mock-cluster launcher exited: ${this.stderr.trim()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('mock-cluster launcher did not answer in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /**
   * Sends one command line (see native/mock-cluster.c); resolves, once it is in force,
   * with whatever followed the launcher's `OK` (e.g. the count of `stack-count`).
   */
  command(line: string): Promise<string> {
    const run = async (): Promise<string> => {
      if (this.exited) throw new Error('mock-cluster launcher is not running');
      this.child.stdin.write(`${line}\n`);
      let answer = await this.nextLine(5_000);
      // `bootstrap` prints its line before the OK.
      if (answer.startsWith('BOOTSTRAP ')) answer = await this.nextLine(5_000);
      const ok = /^OK(?: (.*))?$/.exec(answer);
      if (!ok) throw new Error(`mock-cluster: ${line}: ${answer}`);
      return ok[1] ?? '';
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async createTopic(topic: string, partitions: number, replicationFactor: number): Promise<void> {
    await this.command(`create-topic ${topic} ${partitions} ${replicationFactor}`);
  }

  /** Closes stdin (the launcher destroys the cluster and exits), then kills it if it lingers. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await gone;
    clearTimeout(t);
  }
}
