import { WIRE_EVENT_SCHEMAS } from '@ccp/contracts';
import { defaultFundDecider } from './default-fund.decider';
import { fundBalances } from './default-fund.state';
import { accepted, apply, assertValidEvents, command, defaultOf, defined, given, lastEvent, ofType, trancheEvents } from './default-fund.spec-helpers';
import type { DefaultFundEvent } from './default-fund.types';
import { EUREX_WATERFALL_TRANCHES } from './waterfall-presets.policy';

/** Worked examples from public sources (mechanics.md). Figures in millions are written out in full. */
const M = (millions: string): string => {
  const [whole, fraction = ''] = millions.split('.');
  const digits = `${whole}${fraction.padEnd(6, '0')}`.replace(/^0+(?=\d)/, '');
  return digits;
};


const walkSummary = (events: readonly DefaultFundEvent[]) =>
  trancheEvents(events).map((t) => [t.order, t.kind, t.trancheId ?? '', t.effect, t.capacity, t.amount, t.remainingAfter]);

describe('CME-style walk (CME Rule 802: margin → guaranty deposit → CME capital → survivors’ guaranty fund → assessments ≤ 275%)', () => {
  // Defaulter D: $400m margin already applied by liquidation, $1,500m deficit beyond it, $50m guaranty
  // deposit. CME's own capital $100m (base guaranty fund; CME has no second tranche, so sitg-2 is 0).
  // Survivors A/B/C contribute $150m / $100m / $50m. Assessment caps 275% (Rule 802.G): $412.5m,
  // $275m, $137.5m = $825m. Walk: 50 + 100 + 300 + 0 + 825 = 1,275 → residual 225 to the recovery
  // tools (CME's 2016 filing: gains haircutting, tear-up).
  const state = given([
    command('SetWaterfall', { preset: 'ccp' }),
    command('SetSkinInTheGame', {
      tranches: [
        { trancheId: 'sitg-1', amount: M('100') },
        { trancheId: 'sitg-2', amount: '0' },
      ],
    }),
    command('RecordContribution', { memberId: 'D', amount: M('50') }),
    command('RecordContribution', { memberId: 'A', amount: M('150') }),
    command('RecordContribution', { memberId: 'B', amount: M('100') }),
    command('RecordContribution', { memberId: 'C', amount: M('50') }),
  ]);
  const events = accepted(apply(state, command('RunWaterfall', defaultOf('default:D-acc:1', 'D', M('1500'), M('400')))));

  it('walks every tranche in the preset order and forwards the residual', () => {
    expect(walkSummary(events)).toEqual([
      [1, 'defaulter-margin', '', 'recorded', M('400'), M('400'), M('1500')],
      [2, 'defaulter-contribution', '', 'covered', M('50'), M('50'), M('1450')],
      [3, 'skin-in-the-game', 'sitg-1', 'covered', M('100'), M('100'), M('1350')],
      [4, 'mutualized-fund', '', 'covered', M('300'), M('300'), M('1050')],
      [5, 'skin-in-the-game', 'sitg-2', 'covered', '0', '0', M('1050')],
      [6, 'assessments', '', 'covered', M('825'), M('825'), M('225')],
      [7, 'recovery-tool', '', 'forwarded', M('225'), M('225'), '0'],
    ]);
    assertValidEvents(events);
  });

  it('assesses each survivor at its 275% cap', () => {
    expect(ofType(events, 'AssessmentCalled')).toEqual([
      { defaultId: 'default:D-acc:1', memberId: 'A', amount: M('412.5'), cap: M('412.5'), cumulativeAssessed: M('412.5'), cumulativeCap: M('825') },
      { defaultId: 'default:D-acc:1', memberId: 'B', amount: M('275'), cap: M('275'), cumulativeAssessed: M('275'), cumulativeCap: M('550') },
      { defaultId: 'default:D-acc:1', memberId: 'C', amount: M('137.5'), cap: M('137.5'), cumulativeAssessed: M('137.5'), cumulativeCap: M('275') },
    ]);
  });

  it('calls replenishment of CME capital and the survivors’ deposits, not of the defaulter', () => {
    expect(ofType(events, 'ReplenishmentCalled').map((r) => [r.fund, r.trancheId ?? r.memberId, r.amount])).toEqual([
      ['skin-in-the-game', 'sitg-1', M('100')],
      ['default-fund', 'A', M('150')],
      ['default-fund', 'B', M('100')],
      ['default-fund', 'C', M('50')],
    ]);
  });

  it('forwards the residual with the wire payload', () => {
    const last = lastEvent(events);
    expect(last.type).toBe('ResidualLossForwarded');
    expect(last.correlationId).toBe('default:D-acc:1');
    expect(WIRE_EVENT_SCHEMAS.ResidualLossForwarded.parse(last.payload)).toMatchObject({ deficit: M('1500'), covered: M('1275'), residual: M('225') });
  });

  it('leaves the funds empty and the replenishment owed', () => {
    const view = fundBalances(state);
    expect(view.totalContributions).toBe('0');
    expect(view.members.map((m) => [m.memberId, m.replenishmentDue, m.assessedInPeriod, m.defaulted])).toEqual([
      ['A', M('150'), M('412.5'), false],
      ['B', M('100'), M('275'), false],
      ['C', M('50'), M('137.5'), false],
      ['D', '0', '0', true],
    ]);
    expect(view.skinInTheGame.find((t) => t.trancheId === 'sitg-1')).toEqual({ trancheId: 'sitg-1', balance: '0', replenishmentDue: M('100') });
  });
});

describe('Eurex-style walk (Eurex Clearing: €143m tranche, then survivors’ fund together with €57m pro rata)', () => {
  // Defaulter contribution €20m, deficit €448m. After 20 + 143 the remaining €285m is half of the
  // combined pool (survivors €300m + €150m + €63m = €513m, plus Eurex's €57m = €570m), so every
  // participant of the pool pays exactly half: 150 / 75 / 31.5 and Eurex 28.5. Assessments are not reached.
  const state = given([
    command('SetWaterfall', { tranches: [...EUREX_WATERFALL_TRANCHES] }),
    command('SetSkinInTheGame', {
      tranches: [
        { trancheId: 'eurex-dedicated-1', amount: M('143') },
        { trancheId: 'eurex-dedicated-2', amount: M('57') },
      ],
    }),
    command('RecordContribution', { memberId: 'D', amount: M('20') }),
    command('RecordContribution', { memberId: 'A', amount: M('300') }),
    command('RecordContribution', { memberId: 'B', amount: M('150') }),
    command('RecordContribution', { memberId: 'C', amount: M('63') }),
  ]);
  const events = accepted(apply(state, command('RunWaterfall', defaultOf('default:D-acc:2', 'D', M('448'), M('250')))));

  it('stops in the combined tranche; assessments and recovery are not touched', () => {
    expect(walkSummary(events)).toEqual([
      [1, 'defaulter-margin', '', 'recorded', M('250'), M('250'), M('448')],
      [2, 'defaulter-contribution', '', 'covered', M('20'), M('20'), M('428')],
      [3, 'skin-in-the-game', 'eurex-dedicated-1', 'covered', M('143'), M('143'), M('285')],
      [4, 'mutualized-fund-with-skin-in-the-game', 'eurex-dedicated-2', 'covered', M('570'), M('285'), '0'],
    ]);
    const combined = defined(trancheEvents(events)[3]);
    expect(combined.contributors).toEqual([
      { memberId: 'A', amount: M('150') },
      { memberId: 'B', amount: M('75') },
      { memberId: 'C', amount: M('31.5') },
    ]);
    expect(combined.skinInTheGameAmount).toBe(M('28.5'));
    expect(ofType(events, 'AssessmentCalled')).toEqual([]);
    expect(lastEvent(events)).toMatchObject({ type: 'DefaultCovered', payload: { deficit: M('448') } });
    assertValidEvents(events);
  });

  it('leaves each pool with exactly the unconsumed half', () => {
    const view = fundBalances(state);
    expect(view.skinInTheGame).toEqual([
      { trancheId: 'eurex-dedicated-1', balance: '0', replenishmentDue: M('143') },
      { trancheId: 'eurex-dedicated-2', balance: M('28.5'), replenishmentDue: M('28.5') },
    ]);
    expect(view.members.map((m) => [m.memberId, m.contribution])).toEqual([
      ['A', M('150')],
      ['B', M('75')],
      ['C', M('31.5')],
      ['D', '0'],
    ]);
  });
});

describe('Nasdaq Clearing 2018 (Einar Aas, €114m): junior capital €7m, then the mutualized fund', () => {
  // Public figures: €114m beyond the defaulter's margin; Nasdaq's junior capital (SITG) €7m; the
  // default fund paid the other €107m, about two thirds of its €166m. The defaulter's own
  // contribution is taken as 0 here (its size is not in our sources); the margin consumed is not
  // modelled (0). Survivors hold 50% / 25% / 15% / 10% of the fund, so each pays 107/166 of its
  // contribution: 53.5 / 26.75 / 16.05 / 10.7. (Nasdaq later repaid recoveries pro rata to
  // contributions at the time of default — not modelled here.)
  const state = given([
    command('SetWaterfall', { preset: 'ccp' }),
    command('SetSkinInTheGame', {
      tranches: [
        { trancheId: 'sitg-1', amount: M('7') },
        { trancheId: 'sitg-2', amount: M('25') },
      ],
    }),
    command('RecordContribution', { memberId: 'clearing-1', amount: M('83') }),
    command('RecordContribution', { memberId: 'clearing-2', amount: M('41.5') }),
    command('RecordContribution', { memberId: 'clearing-3', amount: M('24.9') }),
    command('RecordContribution', { memberId: 'clearing-4', amount: M('16.6') }),
  ]);
  const events = accepted(apply(state, command('RunWaterfall', defaultOf('default:aas:2018-09-11', 'aas', M('114')))));

  it('consumes €7m of junior capital and €107m of the mutualized fund pro rata; the second SITG tranche is untouched', () => {
    expect(walkSummary(events)).toEqual([
      [1, 'defaulter-margin', '', 'recorded', '0', '0', M('114')],
      [2, 'defaulter-contribution', '', 'covered', '0', '0', M('114')],
      [3, 'skin-in-the-game', 'sitg-1', 'covered', M('7'), M('7'), M('107')],
      [4, 'mutualized-fund', '', 'covered', M('166'), M('107'), '0'],
    ]);
    expect(defined(trancheEvents(events)[3]).contributors).toEqual([
      { memberId: 'clearing-1', amount: M('53.5') },
      { memberId: 'clearing-2', amount: M('26.75') },
      { memberId: 'clearing-3', amount: M('16.05') },
      { memberId: 'clearing-4', amount: M('10.7') },
    ]);
    expect(lastEvent(events)).toMatchObject({ type: 'DefaultCovered' });
    expect(fundBalances(state).totalContributions).toBe(M('59'));
    assertValidEvents(events);
  });
});

describe('perpetual-exchange walk (BitMEX / Binance: margin → insurance fund → ADL or socialized loss)', () => {
  it('drains the insurance fund, fed by deposits and liquidation fees, then forwards the rest', () => {
    const state = given([
      command('SetWaterfall', { preset: 'perpetual-exchange' }),
      command('DepositInsuranceFund', { amount: '1000000' }),
      command('CreditLiquidationFee', { liquidationId: 'liq-1', accountId: 'a1', memberId: 'm1', amount: '12.34' }),
    ]);
    const events = accepted(apply(state, command('RunWaterfall', defaultOf('default:a7:3', 'm7', '1500000', '2500'))));
    expect(walkSummary(events)).toEqual([
      [1, 'defaulter-margin', '', 'recorded', '2500', '2500', '1500000'],
      [2, 'insurance-fund', '', 'covered', '1000012.34', '1000012.34', '499987.66'],
      [3, 'recovery-tool', '', 'forwarded', '499987.66', '499987.66', '0'],
    ]);
    expect(ofType(events, 'ReplenishmentCalled')).toEqual([{ defaultId: 'default:a7:3', fund: 'insurance-fund', amount: '1000012.34' }]);
    expect(lastEvent(events)).toMatchObject({ type: 'ResidualLossForwarded', payload: { covered: '1000012.34', residual: '499987.66' } });
    // Later fees refill the fund and discharge the replenishment first.
    const fee = accepted(apply(state, command('CreditLiquidationFee', { liquidationId: 'liq-2', accountId: 'a2', memberId: 'm2', amount: '5' })));
    expect(defined(fee[0]).payload).toMatchObject({ balanceAfter: '5', replenished: '5' });
    expect(fundBalances(state).insuranceFund).toEqual({ balance: '5', replenishmentDue: '1000007.34' });
  });
});

describe('assessment caps across defaults (CME Rule 802.G: 275% per default, 550% in the cooling-off period)', () => {
  // Survivor A contributes $100. Defaulters hold nothing and SITG is 0, so each $1,000 default
  // reaches the assessments. A's base stays $100 although default 1 consumed its deposit: the cap
  // counts the contribution of record (funded + replenishment due).
  const state = given([
    command('SetWaterfall', { preset: 'ccp' }),
    command('SetSkinInTheGame', {
      tranches: [
        { trancheId: 'sitg-1', amount: '0' },
        { trancheId: 'sitg-2', amount: '0' },
      ],
    }),
    command('RecordContribution', { memberId: 'A', amount: '100' }),
  ]);
  const assessed = (defaultId: string, defaulter: string) => {
    const events = accepted(apply(state, command('RunWaterfall', defaultOf(defaultId, defaulter, '1000'))));
    const tranche = defined(trancheEvents(events).find((t) => t.kind === 'assessments'));
    return { capacity: tranche.capacity, calls: ofType(events, 'AssessmentCalled').map((a) => [a.amount, a.cap, a.cumulativeAssessed]) };
  };

  it.each([
    { step: 'default 1: 275% of $100', defaultId: 'd1', defaulter: 'X1', capacity: '275', calls: [['275', '275', '275']] },
    { step: 'default 2: 275% again, reaching 550%', defaultId: 'd2', defaulter: 'X2', capacity: '275', calls: [['275', '275', '550']] },
    { step: 'default 3: the 550% running cap is reached, nothing left to call', defaultId: 'd3', defaulter: 'X3', capacity: '0', calls: [] },
  ])('$step', ({ defaultId, defaulter, capacity, calls }) => {
    expect(assessed(defaultId, defaulter)).toEqual({ capacity, calls });
  });

  it('a new cooling-off period starts the running total again', () => {
    apply(state, command('ResetAssessmentPeriod', { periodId: 'cooling-off-1' }));
    expect(assessed('d4', 'X4')).toEqual({ capacity: '275', calls: [['275', '275', '275']] });
  });
});

describe('the walk stops where the deficit is covered', () => {
  it('emits zero-capacity tranches it passes, and nothing after the covering tranche', () => {
    const state = given([
      command('SetWaterfall', { tranches: [{ kind: 'defaulter-contribution' }, { kind: 'insurance-fund' }, { kind: 'skin-in-the-game', trancheId: 'own' }, { kind: 'recovery-tool' }] }),
      command('SetSkinInTheGame', { tranches: [{ trancheId: 'own', amount: '500' }] }),
    ]);
    const events = accepted(defaultFundDecider.decide(command('RunWaterfall', defaultOf('d1', 'nobody', '499.99')), state));
    expect(walkSummary(events)).toEqual([
      [1, 'defaulter-contribution', '', 'covered', '0', '0', '499.99'],
      [2, 'insurance-fund', '', 'covered', '0', '0', '499.99'],
      [3, 'skin-in-the-game', 'own', 'covered', '500', '499.99', '0'],
    ]);
    expect(events.map((e) => e.type)).toEqual(['WaterfallTrancheApplied', 'WaterfallTrancheApplied', 'WaterfallTrancheApplied', 'ReplenishmentCalled', 'DefaultCovered']);
  });

  it('a member with a defaulted account no longer counts as a survivor', () => {
    const state = given([
      command('SetWaterfall', { tranches: [{ kind: 'mutualized-fund' }, { kind: 'recovery-tool' }] }),
      command('RecordContribution', { memberId: 'A', amount: '100' }),
      command('RecordContribution', { memberId: 'B', amount: '100' }),
      command('RunWaterfall', defaultOf('d1', 'B', '10')),
    ]);
    const events = accepted(defaultFundDecider.decide(command('RunWaterfall', defaultOf('d2', 'C', '30')), state));
    // B defaulted in d1: in d2 only A's contribution (90 left) is mutualized.
    expect(trancheEvents(events)[0]).toMatchObject({ capacity: '90', amount: '30', contributors: [{ memberId: 'A', amount: '30' }] });
  });
});
