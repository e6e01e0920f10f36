import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { scenarioFile } from '@ccp/engine';
import { action, type CliContext, EXIT_OK } from './cli-program';

export function schemaCommand(parent: Command, ctx: CliContext): void {
  const schema = parent.command('schema').summary('JSON Schemas of the input formats').description('JSON Schemas of the formats ccp reads.');
  schema
    .command('scenario')
    .summary('the JSON Schema of the scenario format')
    .description('Print (or write) the JSON Schema of the scenario format; docs/scenario.schema.json is this output.')
    .option('--out <file>', 'write it to this file instead of stdout')
    .action(
      action(ctx, 'ccp schema scenario', 2, (flags: { readonly out?: string }) => {
        const text = `${JSON.stringify(z.toJSONSchema(scenarioFile, { io: 'input' }), null, 2)}\n`;
        if (flags.out === undefined) ctx.io.stdout.write(text);
        else {
          mkdirSync(dirname(flags.out), { recursive: true });
          writeFileSync(flags.out, text);
        }
        return EXIT_OK;
      }),
    );
}
