import { Option } from 'commander';
import { InputError } from '../../errors.js';
import { serveViewer, viewerHtml } from '../../viewer/index.js';
import type { RegisterCommand } from './index.js';
import { kafkaOption, onRelease } from './options.js';
import { loadScenarioFile } from './run.js';

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InputError(`--port: expected a port number 0-65535, got "${v}"`);
  return n;
}

/**
 * `kafka-model view FILE`: the counterexample viewer (as `replay FILE --html`) served on the
 * loopback interface until interrupted. `until` is when to stop (tests pass their own; the
 * binary waits for Ctrl-C or SIGTERM).
 */
export function registerView(until: () => Promise<void> = interrupted): RegisterCommand {
  return (program, io) => {
    program
      .command('view')
      .description('replay a scenario and serve its counterexample viewer on 127.0.0.1 (prints the URL; Ctrl-C stops)')
      .argument('<file>', 'scenario JSON file, as written by explore --out or claims')
      .addOption(new Option('--port <n>', 'port to listen on (default: any free one)').argParser(parsePort))
      .addOption(kafkaOption())
      .action(async (file: string, opts: { port?: number; kafka?: string }) => {
        const scenario = onRelease(loadScenarioFile(file), opts.kafka);
        const html = viewerHtml(scenario, file);
        let served;
        try {
          served = await serveViewer(html, opts.port ?? 0);
        } catch (e) {
          throw new InputError(`--port: cannot listen on 127.0.0.1:${opts.port ?? 0} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        io.out(`${served.url}\n`);
        io.err('serving the viewer on loopback; Ctrl-C stops\n');
        await until();
        // Stop at once: a browser's keep-alive connection would hold the server open for seconds.
        const closed = new Promise<void>((resolve) => served.server.close(() => resolve()));
        served.server.closeAllConnections();
        await closed;
      });
  };
}

function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
