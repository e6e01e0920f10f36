import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRODUCERS } from '@ccp/contracts';
import { counterfactual, LoadedJournals } from '@ccp/audit';
import { DECIDERS, simulate } from '@ccp/engine';
import { formatCounterfactual } from './format-counterfactual';

const scenario: unknown = JSON.parse(readFileSync(join(__dirname, '../../../docs/scenarios/perpetual-adl-cascade.json'), 'utf8'));
const result = simulate(scenario, DECIDERS);
const journals: LoadedJournals = Object.fromEntries(PRODUCERS.map((p) => [p, result.journals![p].records]));
const defaultId = result.summary.defaults.find((d) => d.allocation)!.defaultId;

describe('formatCounterfactual', () => {
  it('recorded and counterfactual side by side, the reproduction verdict, the largest differences', async () => {
    const report = await counterfactual(journals, defaultId, { policy: 'socialized-loss' });
    const text = formatCounterfactual(report);
    const row = (label: string) => text.split('\n').find((l) => l.startsWith(label))!;
    expect(row('policy')).toContain(report.recorded!.policy);
    expect(row('policy')).toContain('socialized-loss:pro-rata-profit');
    expect(row('participants hit').trim().split(/\s+/).slice(-2)).toEqual([String(report.recorded!.participantsHit), String(report.counterfactual.participantsHit)]);
    expect(text).toContain('recorded allocation reproduced: yes');
    for (const d of report.largestDifferences) expect(text).toContain(d.accountId);
  });

  it('the recorded policy: nothing changes', async () => {
    const text = formatCounterfactual(await counterfactual(journals, defaultId, { policy: 'recorded' }));
    expect(text).toContain('recorded allocation reproduced: yes');
    expect(text).toContain('No participant would pay a different amount.');
  });

  it('a failed reproduction says where', async () => {
    const report = await counterfactual(journals, defaultId, { policy: 'recorded' });
    const text = formatCounterfactual({ ...report, reproduced: false, reproductionDifference: 'payload.allocations[0].amount' });
    expect(text).toContain('recorded allocation reproduced: NO — first difference at payload.allocations[0].amount');
  });
});
