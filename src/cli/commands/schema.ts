import { scenarioJsonSchema } from '../../cluster/scenario-json-schema.js';
import { InputError } from '../../errors.js';
import { staleFiles, writeFiles } from '../files.js';
import type { RegisterCommand } from './index.js';

/** `kafka-model schema`: the JSON Schema of scenario files, generated from the parser's zod schema. */
export const registerSchema: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('schema')
    .description('print the JSON Schema of scenario files (generated from the schema that parses them)')
    .option('--out <file>', 'write it to FILE instead (spec/scenario.schema.json in this repository)')
    .option('--check', 'write nothing; exit 1 if FILE (--out) is out of date')
    .action((flags: { out?: string; check?: boolean }) => {
      if (flags.check && flags.out === undefined) throw new InputError('--check needs --out FILE: the schema file to compare');
      const text = scenarioJsonSchema();
      if (flags.out === undefined) {
        io.out(text);
        return;
      }
      const files = new Map([[flags.out, text]]);
      if (flags.check) {
        const stale = staleFiles(files).length > 0;
        io.err(stale ? `${flags.out} is out of date; run: kafka-model schema --out ${flags.out}\n` : `${flags.out} is up to date\n`);
        setExitCode(stale ? 1 : 0);
        return;
      }
      writeFiles(files);
    });
};
