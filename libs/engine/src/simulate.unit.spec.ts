import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { PRODUCERS, RejectionError } from '@ccp/contracts';
import { Decimal } from '@ccp/money';
import { DECIDERS } from './deciders';
import { OutcomeSummary } from './outcome';
import { journalFileName, simulate } from './simulate';

const scenarioDir = join(__dirname, '../../../docs/scenarios');
const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(scenarioDir, `${name}.json`), 'utf8'));
const SMALL_SCENARIOS = ['perpetual-insurance-fund', 'perpetual-adl-cascade', 'ccp-member-default'];

/** design.md §5: for every default, tranches + allocations = deficit exactly; nothing placed beyond the residual. */
function expectConservation(summary: OutcomeSummary): void {
  for (const d of summary.defaults) {
    const covered = d.tranches.filter((t) => t.kind !== 'defaulter-margin' && t.kind !== 'recovery-tool').reduce((a, t) => a.plus(t.amount), new Decimal(0));
    expect(covered.toFixed()).toBe(new Decimal(d.covered).toFixed());
    expect(new Decimal(d.covered).plus(d.residual).toFixed()).toBe(new Decimal(d.deficit).toFixed());
    if (new Decimal(d.residual).gt(0)) {
      expect(d.allocation).not.toBeNull();
      const a = d.allocation!;
      expect(new Decimal(a.charged).plus(a.unallocated).minus(a.fairness.overshoot).toFixed()).toBe(new Decimal(d.residual).toFixed());
    } else {
      expect(d.allocation).toBeNull();
    }
  }
}

describe('embedded engine over the example scenarios', () => {
  it.each(SMALL_SCENARIOS)('%s: the same scenario twice gives identical journal bytes and hashes', (name) => {
    const first = simulate(load(name), DECIDERS);
    const second = simulate(load(name), DECIDERS);
    for (const p of PRODUCERS) expect(second.journals![p].lines).toEqual(first.journals![p].lines);
    expect(second.summary.journals).toEqual(first.summary.journals);
  });

  it.each(SMALL_SCENARIOS)('%s: every default is conserved to the cent through waterfall and allocation', (name) => {
    const { summary } = simulate(load(name), DECIDERS);
    expect(summary.defaults.length).toBeGreaterThan(0);
    expectConservation(summary);
  });

  it('perpetual-insurance-fund: the insurance fund covers the whole deficit, nobody is haircut', () => {
    const { summary } = simulate(load('perpetual-insurance-fund'), DECIDERS);
    // alice: long 10 at 60,000 with 40,000 collateral, closed at the 54,000 mark → loss 60,000, deficit 20,000
    expect(summary.defaults).toHaveLength(1);
    expect(summary.defaults[0]).toMatchObject({ accountId: 'alice', marginApplied: '40000', deficit: '20000', covered: '20000', residual: '0' });
  });

  it('ccp-member-default: walks the CCP waterfall in order and hands the residual to VMGH', () => {
    const { summary } = simulate(load('ccp-member-default'), DECIDERS);
    const d = summary.defaults[0]!;
    // 400 × 50 × (5,000 − 4,200) = 16m loss, 8m margin → 8m deficit
    expect(d).toMatchObject({ marginApplied: '8000000', deficit: '8000000' });
    expect(d.tranches.map((t) => t.kind)).toEqual([
      'defaulter-margin',
      'defaulter-contribution',
      'skin-in-the-game',
      'mutualized-fund',
      'skin-in-the-game',
      'assessments',
      'recovery-tool',
    ]);
    // 100k contribution + 100k SITG-1 + 4 × 100k fund + 50k SITG-2 + 4 × 275k assessments (CME 275% cap)
    expect(d.covered).toBe('1750000');
    expect(d.residual).toBe('6250000');
    expect(d.allocation).toMatchObject({ policy: 'vm-gains-haircut:pro-rata-gain', charged: '6250000', participantsCharged: 4 });
  });

  it('writes the journals and outcome.json only when the whole run succeeded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccp-sim-'));
    try {
      const out = join(dir, 'run');
      const { summary } = simulate(load('perpetual-adl-cascade'), DECIDERS, { outDir: out });
      for (const p of PRODUCERS) {
        const lines = readFileSync(join(out, journalFileName(p)), 'utf8').trimEnd().split('\n');
        expect(lines).toHaveLength(summary.journals[p].records);
        expect(JSON.parse(lines.at(-1)!).hash).toBe(summary.journals[p].headHash);
      }
      expect(JSON.parse(readFileSync(join(out, 'outcome.json'), 'utf8')).totals).toEqual(summary.totals);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('market-crash-10k (10,000 generated accounts)', () => {
  it('liquidates, defaults, covers and socializes with every default conserved to the cent', () => {
    const { summary } = simulate(load('market-crash-10k'), DECIDERS);
    expect(summary.inputs).toBeGreaterThan(30_000);
    expect(summary.defaults.length).toBeGreaterThan(1_000);
    expect(summary.defaults.filter((d) => d.allocation !== null).length).toBeGreaterThan(0);
    expectConservation(summary);
  }, 120_000);
});

describe('bad scenarios get a clear error naming the field, and nothing is written', () => {
  const base = () => load('perpetual-insurance-fund') as { steps: Record<string, unknown>[] } & Record<string, unknown>;
  const withStep = (i: number, patch: (s: Record<string, unknown>) => void) => {
    const s = base();
    patch(s.steps[i]!);
    return s;
  };
  const depositIndex = base().steps.findIndex((s) => s['type'] === 'DepositCollateral');

  it.each([
    { name: 'missing name', scenario: () => ({ ...base(), name: undefined }), code: 'malformed', path: /^name$/ },
    { name: 'unknown journal', scenario: () => withStep(0, (s) => (s['to'] = 'treasury')), code: 'malformed', path: /^steps\[0\]\.to$/ },
    {
      name: 'negative amount',
      scenario: () => withStep(depositIndex, (s) => (s['payload'] = { accountId: 'alice', amount: '-5' })),
      code: 'invalid_amount',
      path: new RegExp(`^steps\\[${depositIndex}\\]\\.payload\\.amount$`),
    },
    {
      name: 'non-numeric amount',
      scenario: () => withStep(depositIndex, (s) => (s['payload'] = { accountId: 'alice', amount: 'lots' })),
      code: 'invalid_amount',
      path: new RegExp(`^steps\\[${depositIndex}\\]\\.payload\\.amount$`),
    },
    {
      name: 'unknown account',
      scenario: () => withStep(depositIndex, (s) => (s['payload'] = { accountId: 'nobody', amount: '5' })),
      code: 'unknown_account',
      path: new RegExp(`^steps\\[${depositIndex}\\]`),
    },
    {
      name: 'unknown instrument',
      scenario: () => {
        const s = base();
        const mark = s.steps.findIndex((x) => x['type'] === 'ApplyMarkPrice');
        s.steps[mark]!['payload'] = { instrumentId: 'ETH-PERP', markPrice: '3000', markSeq: 1 };
        return s;
      },
      code: 'unknown_instrument',
      path: /^steps\[\d+\]/,
    },
  ])('$name → $code', ({ scenario, code, path }) => {
    const dir = mkdtempSync(join(tmpdir(), 'ccp-bad-'));
    const out = join(dir, 'run');
    try {
      let caught: unknown;
      try {
        simulate(scenario(), DECIDERS, { outDir: out });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RejectionError);
      const r = (caught as RejectionError).rejection;
      expect(r.code).toBe(code);
      expect(r.path).toMatch(path);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.partial`)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('generated crashes (property)', () => {
  const runs = Math.max(5, Math.floor(Number(process.env['FC_RUNS'] ?? 1000) / 40));
  it(`conserve every default and replay byte for byte (${runs} random seeds)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 2, max: 30 }),
        fc.constantFrom('socialized-loss', 'adl', 'vm-gains-haircut', 'partial-tear-up'),
        fc.constantFrom('0', '2000', '50000'),
        (seed, pairs, policy, insuranceFund) => {
          const scenario = {
            name: 'property-crash',
            description: 'generated',
            steps: [
              { at: '2025-10-10T20:00:00Z', to: 'liquidation', type: 'SetLiquidationParameters', payload: { mode: 'full', liquidationFeeRate: '0.005', executionModel: { kind: 'impact', impactPerNotional: '0.002', maxSlippage: '0.02' } } },
              { at: '2025-10-10T20:00:00Z', to: 'default-fund', type: 'SetWaterfall', payload: { preset: 'perpetual-exchange' } },
              ...(insuranceFund === '0' ? [] : [{ at: '2025-10-10T20:00:00Z', to: 'default-fund', type: 'DepositInsuranceFund', payload: { amount: insuranceFund } }]),
              { at: '2025-10-10T20:00:00Z', to: 'loss-allocation', type: 'SetAllocationPolicy', payload: { policy, params: {} } },
              { at: '2025-10-10T20:00:00Z', to: 'margin', type: 'ListInstrument', payload: { instrumentId: 'BTC-PERP', contractSize: '1', initialMarginRate: '0.05', maintenanceMarginRate: '0.025' } },
              { generate: { kind: 'population', seed, at: '2025-10-10T20:01:00Z', members: 3, accounts: pairs * 2, instrumentId: 'BTC-PERP', price: '60000', quantityMin: 1, quantityMax: 5, leverageMin: 2, leverageMax: 20 } },
              { generate: { kind: 'price-path', at: '2025-10-10T20:10:00Z', instrumentId: 'BTC-PERP', from: '60000', to: '45000', steps: 3, firstMarkSeq: 1 } },
            ],
          };
          const first = simulate(scenario, DECIDERS);
          expectConservation(first.summary);
          const second = simulate(scenario, DECIDERS);
          for (const p of PRODUCERS) expect(second.journals![p].lines).toEqual(first.journals![p].lines);
        },
      ),
      { numRuns: runs },
    );
  });
});
