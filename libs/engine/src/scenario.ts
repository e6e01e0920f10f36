import { z } from 'zod';
import { identifier, isoInstant, PRODUCERS, Producer, rejection, RejectionError, Command, pathOf } from '@ccp/contracts';
import { JournaledDecider } from './registry';
import { GeneratorSpec, generatorSpec, expandGenerator } from './scenario-generators';

/**
 * A scenario: the upstream inputs of one run, in order. Each step is one command to one journal's
 * decider; a `generate` step expands deterministically (from its seed) into many steps in place.
 * The JSON Schema of this format is written by `ccp schema scenario` to docs/scenario.schema.json.
 */
export const scenarioStep = z
  .object({
    at: isoInstant.describe('when the input happened (becomes occurredAt; never the wall clock)'),
    to: z.enum(PRODUCERS).describe('the journal whose decider receives the command'),
    type: z.string().min(1).describe('command type, e.g. ApplyMarkPrice'),
    payload: z.record(z.string(), z.unknown()).describe("the command's payload (amounts as decimal strings)"),
    correlationId: identifier.optional(),
    commandId: identifier
      .optional()
      .describe("the command's identity: a journal decides each command id once (a repeat is recorded as a duplicate). Default in a scenario: <scenario name>/<step index>"),
  })
  .strict();
export type ScenarioStep = z.infer<typeof scenarioStep>;

export const scenarioItem = z.union([scenarioStep, z.object({ generate: generatorSpec }).strict()]);

export const scenarioFile = z
  .object({
    $schema: z.string().optional(),
    name: identifier,
    description: z.string(),
    steps: z.array(scenarioItem).min(1),
  })
  .strict();
export type ScenarioFile = z.infer<typeof scenarioFile>;

export interface LoadedStep {
  readonly index: number;
  /** where the step came from, for error messages: steps[3] or steps[5].generate#120 */
  readonly origin: string;
  readonly target: Producer;
  readonly command: Command;
  /** the step's commandId, or `<scenario name>/<index>` (deterministic) */
  readonly commandId: string;
}

function isGenerate(item: z.infer<typeof scenarioItem>): item is { generate: GeneratorSpec } {
  return 'generate' in item;
}

/**
 * Validates the whole scenario before anything runs: the file's shape, then every command against
 * its decider's schema. The first problem is thrown as a RejectionError naming the field.
 */
export function* loadScenario(raw: unknown, deciders: Readonly<Record<Producer, JournaledDecider>>): Generator<LoadedStep> {
  // Header first, then each item with its own schema, so an error names the field, not just the item.
  const header = parseOrThrow(scenarioFile.extend({ steps: z.array(z.unknown()).min(1) }), raw, []);
  let index = 0;
  for (const [i, rawItem] of header.steps.entries()) {
    const isGenerateItem = typeof rawItem === 'object' && rawItem !== null && 'generate' in rawItem;
    const item: z.infer<typeof scenarioItem> = isGenerateItem
      ? parseOrThrow(z.object({ generate: generatorSpec }).strict(), rawItem, ['steps', i])
      : parseOrThrow(scenarioStep, rawItem, ['steps', i]);
    const steps: Iterable<{ step: ScenarioStep; origin: string }> = isGenerate(item)
      ? mapOrigin(expandGenerator(item.generate), `steps[${i}].generate`)
      : [{ step: item, origin: `steps[${i}]` }];
    for (const { step, origin } of steps) {
      const result = deciders[step.to].parseCommand({
        type: step.type,
        payload: step.payload,
        meta: { occurredAt: step.at, correlationId: step.correlationId ?? null },
      });
      if (!result.ok) {
        const r = result.rejection;
        throw new RejectionError({ ...r, path: [origin, r.path].filter(Boolean).join('.') });
      }
      yield { index, origin, target: step.to, command: result.value, commandId: step.commandId ?? `${header.name}/${index}` };
      index += 1;
    }
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, at: PropertyKey[]): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new RejectionError(rejection('malformed', pathOf([...at, ...issue.path]), issue.message));
}

function* mapOrigin(steps: Iterable<ScenarioStep>, prefix: string): Generator<{ step: ScenarioStep; origin: string }> {
  let n = 0;
  for (const step of steps) {
    yield { step, origin: `${prefix}#${n}` };
    n += 1;
  }
}
