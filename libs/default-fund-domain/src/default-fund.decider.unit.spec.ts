import { RejectionCode } from '@ccp/contracts';
import { defaultFundDecider, DEFAULT_FUND_STREAM } from './default-fund.decider';
import { fundBalances } from './default-fund.state';
import { accepted, apply, assertValidEvents, command, defaultOf, defined, given, lastEvent } from './default-fund.spec-helpers';
import type { DefaultFundCommand, DefaultFundEvent } from './default-fund.types';

const S = DEFAULT_FUND_STREAM;
const perpetual = command('SetWaterfall', { preset: 'perpetual-exchange' });
const ccp = command('SetWaterfall', { preset: 'ccp' });
const sitg = command('SetSkinInTheGame', {
  tranches: [
    { trancheId: 'sitg-1', amount: '0' },
    { trancheId: 'sitg-2', amount: '0' },
  ],
});

describe('default fund decider — given / when / then', () => {
  it.each<{ name: string; given: DefaultFundCommand[]; when: DefaultFundCommand; then: Omit<DefaultFundEvent, 'stream'>[] }>([
    {
      name: 'a first contribution registers the member (amount in canonical form)',
      given: [],
      when: command('RecordContribution', { memberId: 'm1', amount: '100.50' }),
      then: [{ type: 'ContributionRecorded', payload: { memberId: 'm1', amount: '100.5', balanceAfter: '100.5', replenished: '0' } }],
    },
    {
      name: 'a further contribution adds to the balance',
      given: [command('RecordContribution', { memberId: 'm1', amount: '100' })],
      when: command('RecordContribution', { memberId: 'm1', amount: '0.01' }),
      then: [{ type: 'ContributionRecorded', payload: { memberId: 'm1', amount: '0.01', balanceAfter: '100.01', replenished: '0' } }],
    },
    {
      name: 'a withdrawal of the excess',
      given: [command('RecordContribution', { memberId: 'm1', amount: '100' })],
      when: command('WithdrawContribution', { memberId: 'm1', amount: '40' }),
      then: [{ type: 'ContributionWithdrawn', payload: { memberId: 'm1', amount: '40', balanceAfter: '60' } }],
    },
    {
      name: 'an insurance-fund deposit',
      given: [command('DepositInsuranceFund', { amount: '10' })],
      when: command('DepositInsuranceFund', { amount: '2.5' }),
      then: [{ type: 'InsuranceFundDeposited', payload: { amount: '2.5', balanceAfter: '12.5', replenished: '0' } }],
    },
    {
      name: 'a liquidation fee credited to the insurance fund',
      given: [],
      when: command('CreditLiquidationFee', { liquidationId: 'liq-1', accountId: 'a1', memberId: 'm1', amount: '3.21' }),
      then: [{ type: 'LiquidationFeeCredited', payload: { liquidationId: 'liq-1', accountId: 'a1', memberId: 'm1', amount: '3.21', balanceAfter: '3.21', replenished: '0' } }],
    },
    {
      name: 'skin in the game set per tranche',
      given: [],
      when: command('SetSkinInTheGame', { tranches: [{ trancheId: 'sitg-1', amount: '100000000.00' }] }),
      then: [{ type: 'SkinInTheGameSet', payload: { tranches: [{ trancheId: 'sitg-1', amount: '100000000' }] } }],
    },
    {
      name: 'the perpetual-exchange preset expands to margin → insurance fund → recovery tool',
      given: [],
      when: perpetual,
      then: [{ type: 'WaterfallConfigured', payload: { preset: 'perpetual-exchange', tranches: [{ kind: 'defaulter-margin' }, { kind: 'insurance-fund' }, { kind: 'recovery-tool' }] } }],
    },
    {
      name: 'the ccp preset expands to the CME Rule 802 order with two SITG tranches and 275% / 550% assessment caps',
      given: [],
      when: ccp,
      then: [
        {
          type: 'WaterfallConfigured',
          payload: {
            preset: 'ccp',
            tranches: [
              { kind: 'defaulter-margin' },
              { kind: 'defaulter-contribution' },
              { kind: 'skin-in-the-game', trancheId: 'sitg-1' },
              { kind: 'mutualized-fund' },
              { kind: 'skin-in-the-game', trancheId: 'sitg-2' },
              { kind: 'assessments', capMultiple: '2.75', totalCapMultiple: '5.5' },
              { kind: 'recovery-tool' },
            ],
          },
        },
      ],
    },
    {
      name: 'an explicit tranche list is kept in order, multiples canonical',
      given: [],
      when: command('SetWaterfall', { tranches: [{ kind: 'insurance-fund' }, { kind: 'assessments', capMultiple: '1.50', totalCapMultiple: '3.0' }, { kind: 'recovery-tool' }] }),
      then: [
        {
          type: 'WaterfallConfigured',
          payload: { preset: null, tranches: [{ kind: 'insurance-fund' }, { kind: 'assessments', capMultiple: '1.5', totalCapMultiple: '3' }, { kind: 'recovery-tool' }] },
        },
      ],
    },
    {
      name: 'a capped period closes',
      given: [],
      when: command('ResetAssessmentPeriod', { periodId: 'p-2025-10' }),
      then: [{ type: 'AssessmentPeriodReset', payload: { periodId: 'p-2025-10' } }],
    },
    {
      name: 'Cover 2 sizing: SLOMs 70 / 20 / 10 → requirement 90 split 63 / 18 / 9',
      given: [],
      when: command('SizeDefaultFund', {
        scenarioId: 'sc-1',
        stressLosses: [
          { memberId: 'b', stressLoss: '50', margin: '30' },
          { memberId: 'a', stressLoss: '100', margin: '30' },
          { memberId: 'c', stressLoss: '15', margin: '5' },
        ],
      }),
      then: [
        {
          type: 'DefaultFundSized',
          payload: {
            scenarioId: 'sc-1',
            cover2Requirement: '90',
            largestTwo: [
              { memberId: 'a', stressLossOverMargin: '70' },
              { memberId: 'b', stressLossOverMargin: '20' },
            ],
            memberShares: [
              { memberId: 'a', stressLossOverMargin: '70', share: '0.7', requiredContribution: '63' },
              { memberId: 'b', stressLossOverMargin: '20', share: '0.2', requiredContribution: '18' },
              { memberId: 'c', stressLossOverMargin: '10', share: '0.1', requiredContribution: '9' },
            ],
            concentration: [{ memberId: 'a', share: '0.7', level: 'early-warning' }],
          },
        },
      ],
    },
  ])('$name', ({ given: setup, when, then }) => {
    const state = given(setup);
    const events = accepted(defaultFundDecider.decide(when, state));
    expect(events).toEqual(then.map((e) => ({ ...e, stream: S })));
    assertValidEvents(events);
  });

  it('RunWaterfall on the perpetual-exchange preset: insurance fund covers the deficit, correlation = default id', () => {
    const state = given([perpetual, command('DepositInsuranceFund', { amount: '1000' })]);
    const events = accepted(defaultFundDecider.decide(command('RunWaterfall', defaultOf('default:a1:7', 'm9', '250.25', '80')), state));
    const D = 'default:a1:7';
    expect(events).toEqual([
      {
        type: 'WaterfallTrancheApplied',
        stream: D,
        correlationId: D,
        payload: { defaultId: D, order: 1, kind: 'defaulter-margin', effect: 'recorded', capacity: '80', amount: '80', remainingBefore: '250.25', remainingAfter: '250.25' },
      },
      {
        type: 'WaterfallTrancheApplied',
        stream: D,
        correlationId: D,
        payload: { defaultId: D, order: 2, kind: 'insurance-fund', effect: 'covered', capacity: '1000', amount: '250.25', remainingBefore: '250.25', remainingAfter: '0' },
      },
      { type: 'ReplenishmentCalled', stream: D, correlationId: D, payload: { defaultId: D, fund: 'insurance-fund', amount: '250.25' } },
      { type: 'DefaultCovered', stream: D, correlationId: D, payload: { defaultId: D, accountId: 'acc-m9', memberId: 'm9', deficit: '250.25' } },
    ]);
    assertValidEvents(events);
  });

  it('a deposit first discharges an outstanding replenishment call', () => {
    const state = given([
      command('SetWaterfall', { tranches: [{ kind: 'mutualized-fund' }, { kind: 'recovery-tool' }] }),
      command('RecordContribution', { memberId: 'm1', amount: '100' }),
      command('RunWaterfall', defaultOf('d1', 'x', '30')),
    ]);
    expect(fundBalances(state).members[0]).toMatchObject({ memberId: 'm1', contribution: '70', replenishmentDue: '30' });
    const events = accepted(apply(state, command('RecordContribution', { memberId: 'm1', amount: '50' })));
    expect(defined(events[0]).payload).toEqual({ memberId: 'm1', amount: '50', balanceAfter: '120', replenished: '30' });
    expect(fundBalances(state).members[0]).toMatchObject({ contribution: '120', replenishmentDue: '0' });
  });

  it('fundBalances reports every pool as decimal strings, sorted by id', () => {
    const state = given([
      command('RecordContribution', { memberId: 'm2', amount: '5' }),
      command('RecordContribution', { memberId: 'm1', amount: '7.5' }),
      command('DepositInsuranceFund', { amount: '1' }),
      command('SetSkinInTheGame', { tranches: [{ trancheId: 'b', amount: '2' }, { trancheId: 'a', amount: '3' }] }),
    ]);
    const view = fundBalances(state);
    expect(view.members.map((m) => [m.memberId, m.contribution])).toEqual([
      ['m1', '7.5'],
      ['m2', '5'],
    ]);
    expect(view.totalContributions).toBe('12.5');
    expect(view.insuranceFund).toEqual({ balance: '1', replenishmentDue: '0' });
    expect(view.skinInTheGame.map((t) => t.trancheId)).toEqual(['a', 'b']);
    expect(view.waterfall).toBeNull();
  });
});

describe('default fund decider — rejections', () => {
  const funded = [command('RecordContribution', { memberId: 'm1', amount: '100' })];
  const ran = [perpetual, command('RunWaterfall', defaultOf('d1', 'm9', '10'))];
  const raw = (type: string, payload: unknown): DefaultFundCommand => ({ type, payload, meta: { occurredAt: '2025-10-10T21:15:00Z', correlationId: null } }) as DefaultFundCommand;

  it.each<{ name: string; given: DefaultFundCommand[]; when: DefaultFundCommand; code: RejectionCode; path: string }>([
    { name: 'missing memberId', given: [], when: raw('RecordContribution', { amount: '1' }), code: 'malformed', path: 'payload.memberId' },
    { name: 'unknown field', given: [], when: raw('DepositInsuranceFund', { amount: '1', note: 'x' }), code: 'malformed', path: 'payload.note' },
    { name: 'neither preset nor tranches', given: [], when: command('SetWaterfall', {}), code: 'malformed', path: 'payload' },
    { name: 'both preset and tranches', given: [], when: command('SetWaterfall', { preset: 'ccp', tranches: [{ kind: 'recovery-tool' }] }), code: 'malformed', path: 'payload' },
    { name: 'unknown preset', given: [], when: raw('SetWaterfall', { preset: 'cme' }), code: 'malformed', path: 'payload.preset' },
    { name: 'unknown tranche kind', given: [], when: raw('SetWaterfall', { tranches: [{ kind: 'vmgh' }] }), code: 'malformed', path: 'payload.tranches[0].kind' },
    { name: 'recovery tool not last', given: [], when: command('SetWaterfall', { tranches: [{ kind: 'recovery-tool' }, { kind: 'insurance-fund' }] }), code: 'malformed', path: 'payload.tranches[0].kind' },
    { name: 'no recovery tool', given: [], when: command('SetWaterfall', { tranches: [{ kind: 'insurance-fund' }] }), code: 'malformed', path: 'payload.tranches[0].kind' },
    {
      name: 'defaulter margin not first',
      given: [],
      when: command('SetWaterfall', { tranches: [{ kind: 'insurance-fund' }, { kind: 'defaulter-margin' }, { kind: 'recovery-tool' }] }),
      code: 'malformed',
      path: 'payload.tranches[1].kind',
    },
    { name: 'RunWaterfall without positions', given: [perpetual], when: raw('RunWaterfall', { ...defaultOf('d1', 'm1', '1'), positions: undefined }), code: 'malformed', path: 'payload.positions' },
    { name: 'negative amount', given: [], when: command('RecordContribution', { memberId: 'm1', amount: '-5' }), code: 'invalid_amount', path: 'payload.amount' },
    { name: 'zero amount', given: [], when: command('DepositInsuranceFund', { amount: '0' }), code: 'invalid_amount', path: 'payload.amount' },
    { name: 'sub-cent amount', given: [], when: command('RecordContribution', { memberId: 'm1', amount: '1.234' }), code: 'invalid_amount', path: 'payload.amount' },
    { name: 'exponent', given: [], when: command('DepositInsuranceFund', { amount: '1e5' }), code: 'invalid_amount', path: 'payload.amount' },
    { name: 'sub-cent deficit from the wire', given: [perpetual], when: command('RunWaterfall', defaultOf('d1', 'm1', '1.001')), code: 'invalid_amount', path: 'payload.deficit' },
    { name: 'negative stress loss', given: [], when: command('SizeDefaultFund', { scenarioId: 's', stressLosses: [{ memberId: 'a', stressLoss: '-1', margin: '0' }] }), code: 'invalid_amount', path: 'payload.stressLosses[0].stressLoss' },
    {
      name: 'assessment multiple with 9 decimals',
      given: [],
      when: command('SetWaterfall', { tranches: [{ kind: 'assessments', capMultiple: '1.000000001', totalCapMultiple: '2' }, { kind: 'recovery-tool' }] }),
      code: 'invalid_amount',
      path: 'payload.tranches[0].capMultiple',
    },
    { name: 'withdrawal by an unknown member', given: funded, when: command('WithdrawContribution', { memberId: 'm2', amount: '1' }), code: 'unknown_member', path: 'payload.memberId' },
    { name: 'the same default twice', given: ran, when: command('RunWaterfall', defaultOf('d1', 'm9', '10')), code: 'duplicate', path: 'payload.defaultId' },
    {
      name: 'the same member twice in a sizing scenario',
      given: [],
      when: command('SizeDefaultFund', {
        scenarioId: 's',
        stressLosses: [
          { memberId: 'a', stressLoss: '1', margin: '0' },
          { memberId: 'a', stressLoss: '2', margin: '0' },
        ],
      }),
      code: 'duplicate',
      path: 'payload.stressLosses[1].memberId',
    },
    {
      name: 'the same SITG tranche twice',
      given: [],
      when: command('SetSkinInTheGame', { tranches: [{ trancheId: 't', amount: '1' }, { trancheId: 't', amount: '2' }] }),
      code: 'duplicate',
      path: 'payload.tranches[1].trancheId',
    },
    {
      name: 'one SITG tranche twice in a waterfall',
      given: [],
      when: command('SetWaterfall', { tranches: [{ kind: 'skin-in-the-game', trancheId: 't' }, { kind: 'mutualized-fund-with-skin-in-the-game', trancheId: 't' }, { kind: 'recovery-tool' }] }),
      code: 'duplicate',
      path: 'payload.tranches[1].trancheId',
    },
    {
      name: 'the survivors’ fund twice in a waterfall',
      given: [],
      when: command('SetWaterfall', { tranches: [{ kind: 'mutualized-fund' }, { kind: 'mutualized-fund-with-skin-in-the-game', trancheId: 't' }, { kind: 'recovery-tool' }] }),
      code: 'duplicate',
      path: 'payload.tranches[1]',
    },
    { name: 'a capped period closed twice', given: [command('ResetAssessmentPeriod', { periodId: 'p1' })], when: command('ResetAssessmentPeriod', { periodId: 'p1' }), code: 'duplicate', path: 'payload.periodId' },
    { name: 'withdrawal beyond the contribution', given: funded, when: command('WithdrawContribution', { memberId: 'm1', amount: '100.01' }), code: 'insufficient_collateral', path: 'payload.amount' },
    {
      name: 'withdrawal below the Cover 2 requirement',
      given: [...funded, command('SizeDefaultFund', { scenarioId: 's', stressLosses: [{ memberId: 'm1', stressLoss: '80', margin: '0' }] })],
      when: command('WithdrawContribution', { memberId: 'm1', amount: '20.01' }),
      code: 'insufficient_collateral',
      path: 'payload.amount',
    },
    {
      name: 'withdrawal while replenishment is outstanding',
      given: [...funded, command('SetWaterfall', { tranches: [{ kind: 'mutualized-fund' }, { kind: 'recovery-tool' }] }), command('RunWaterfall', defaultOf('d1', 'x', '1'))],
      when: command('WithdrawContribution', { memberId: 'm1', amount: '1' }),
      code: 'insufficient_collateral',
      path: 'payload.amount',
    },
    { name: 'no waterfall configured', given: funded, when: command('RunWaterfall', defaultOf('d1', 'm1', '10')), code: 'parameters_missing', path: 'payload' },
    { name: 'SITG tranche of the waterfall never set', given: [ccp], when: command('RunWaterfall', defaultOf('d1', 'm1', '10')), code: 'parameters_missing', path: 'payload' },
  ])('$name → $code at $path', ({ given: setup, when, code, path }) => {
    const state = given(setup);
    const before = JSON.stringify(fundBalances(state));
    const decision = defaultFundDecider.decide(when, state);
    expect(decision.kind).toBe('rejected');
    if (decision.kind !== 'rejected') return;
    expect(decision.rejection).toMatchObject({ code, path });
    expect(decision.rejection.retryable).toBe(code === 'parameters_missing');
    expect(JSON.stringify(fundBalances(state))).toBe(before); // nothing half-applied
  });

  it('parameters_missing is retryable: the same default runs once the waterfall is configured', () => {
    const state = given([command('DepositInsuranceFund', { amount: '50' })]);
    const run = command('RunWaterfall', defaultOf('d1', 'm1', '10'));
    expect(defaultFundDecider.decide(run, state)).toMatchObject({ kind: 'rejected', rejection: { code: 'parameters_missing', retryable: true } });
    apply(state, perpetual);
    expect(lastEvent(accepted(apply(state, run))).type).toBe('DefaultCovered');
  });

  it('a waterfall using SITG runs once its tranches are set, even at zero', () => {
    const state = given([ccp, sitg]);
    const events = accepted(defaultFundDecider.decide(command('RunWaterfall', defaultOf('d1', 'm1', '10')), state));
    expect(lastEvent(events).type).toBe('ResidualLossForwarded');
  });
});
