import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { scenarioFile } from '@ccp/engine';

describe('the documented scenario format', () => {
  it('docs/scenario.schema.json is the schema the loader enforces (regenerate with `ccp schema scenario --out docs/scenario.schema.json`)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '../../../docs/scenario.schema.json'), 'utf8'));
    expect(committed).toEqual(z.toJSONSchema(scenarioFile, { io: 'input' }));
  });
});
