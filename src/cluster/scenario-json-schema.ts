import { z } from 'zod';
import { scenarioSchema } from './scenario.js';

/**
 * The JSON Schema of scenario files (spec/scenario.schema.json), generated from the zod schema
 * that parses them, so the two cannot drift: `kafka-model schema --out spec/scenario.schema.json`
 * writes it and a test checks the committed file. Input side: fields with a default are optional.
 * Two rules zod checks are not in it: maxLatencyMs >= minLatencyMs, and no `__proto__` key.
 */
export function scenarioJsonSchema(): string {
  const generated = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return (
    JSON.stringify(
      {
        $schema,
        title: 'kafka-model scenario',
        description:
          'One run of the model, as data: configuration (release, preset, overrides), network, workload, fault schedule, seed, horizon, and what a replay must reproduce. Counterexamples are written in this format. Field by field: README.md, "Scenario files".',
        ...rest,
      },
      null,
      2,
    ) + '\n'
  );
}
