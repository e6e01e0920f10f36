/* eslint-disable @typescript-eslint/no-non-null-assertion -- specs index into arrays and maps they have just built */
import { MARGIN_EVENT_SCHEMAS, WIRE_EVENT_SCHEMAS, canonicalJson, type RejectionCode } from '@ccp/contracts';
import { marginDecider } from './margin.decider';
import { marginStateDigest } from './margin.snapshot';
import {
  apply,
  attempt,
  typesOf,
  btcSetup,
  command,
  deposit,
  given,
  list,
  liquidationFill,
  mark,
  member,
  open,
  trade,
  withdraw,
} from './margin.test-support';
import type { MarginCommand, MarginCommandOf, MarginEvent } from './margin.types';
import { accountView } from './margin.views';

const fairness = { participantsHit: 1, totalCharged: '10', overshoot: '0', largestHaircutShareOfProfit: '0.1', largestHaircut: '10', gini: '0', topDecileShare: '1', notionalClosed: '0' };
const lossAllocated = (allocations: MarginCommandOf<'ApplyLossAllocation'>['payload']['allocations'], defaultId = 'd1') =>
  command('ApplyLossAllocation', { defaultId, policy: 'socialized-loss', residual: '10', allocations, unallocated: '0', fairness });
const defaulted = (accountId = 'A1', defaultId = 'default:A1:3') =>
  command('WriteOffDefaultedAccount', { defaultId, accountId, memberId: 'M1', marginApplied: '0', deficit: '120', positions: [] });
const withLong = (qty = '1', px = '60000', cash = '8000') => [...btcSetup(cash), trade('T1', 'A1', 'BTC-PERP', 'long', qty, px)];

/** Every emitted payload passes its schema (own events) or the wire schema (wire events). */
function expectValid(events: readonly MarginEvent[]): void {
  for (const e of events) {
    const schema = e.type in MARGIN_EVENT_SCHEMAS ? MARGIN_EVENT_SCHEMAS[e.type as keyof typeof MARGIN_EVENT_SCHEMAS] : WIRE_EVENT_SCHEMAS[e.type as 'AllocationBasisCaptured'];
    const parsed = (schema as { safeParse(v: unknown): { success: boolean; error?: unknown } }).safeParse(e.payload);
    expect({ type: e.type, ok: parsed.success, error: parsed.error }).toEqual({ type: e.type, ok: true, error: undefined });
    expect(() => canonicalJson(e)).not.toThrow();
  }
}

describe('margin decider: given / when / then (accepted)', () => {
  it.each<{ name: string; given: MarginCommand[]; when: MarginCommand; then: Pick<MarginEvent, 'type' | 'stream' | 'payload'>[] }>([
    { name: 'RegisterMember', given: [], when: member('M1'), then: [{ type: 'MemberRegistered', stream: 'M1', payload: { memberId: 'M1' } }] },
    { name: 'OpenAccount', given: [member('M1')], when: open('A1', 'M1'), then: [{ type: 'AccountOpened', stream: 'A1', payload: { accountId: 'A1', memberId: 'M1' } }] },
    {
      name: 'DepositCollateral (canonical amount)',
      given: [member('M1'), open('A1', 'M1')],
      when: deposit('A1', '100.50'),
      then: [{ type: 'CollateralDeposited', stream: 'A1', payload: { accountId: 'A1', memberId: 'M1', amount: '100.5', cashBalance: '100.5' } }],
    },
    {
      name: 'WithdrawCollateral when flat',
      given: [member('M1'), open('A1', 'M1'), deposit('A1', '100')],
      when: withdraw('A1', '40'),
      then: [{ type: 'CollateralWithdrawn', stream: 'A1', payload: { accountId: 'A1', memberId: 'M1', amount: '40', cashBalance: '60' } }],
    },
    {
      // long 1 @ 60,000, cash 8,000: IM 6,000 ⇒ 2,000 may go
      name: 'WithdrawCollateral down to exactly the initial margin',
      given: withLong(),
      when: withdraw('A1', '2000'),
      then: [{ type: 'CollateralWithdrawn', stream: 'A1', payload: { accountId: 'A1', memberId: 'M1', amount: '2000', cashBalance: '6000' } }],
    },
    {
      name: 'ListInstrument (rates canonicalized, tiers default to none)',
      given: [],
      when: list('ETH-PERP', '0.10', '0.050', '0.01'),
      then: [{ type: 'InstrumentListed', stream: 'ETH-PERP', payload: { instrumentId: 'ETH-PERP', contractSize: '0.01', initialMarginRate: '0.1', maintenanceMarginRate: '0.05', tiers: [] } }],
    },
    {
      name: 'SetMarginParameters with a tier',
      given: [list('BTC-PERP', '0.1', '0.05')],
      when: command('SetMarginParameters', {
        instrumentId: 'BTC-PERP',
        initialMarginRate: '0.02',
        maintenanceMarginRate: '0.01',
        tiers: [{ notionalFloor: '1000000.00', initialMarginRate: '0.05', maintenanceMarginRate: '0.025' }],
      }),
      then: [
        {
          type: 'MarginParametersSet',
          stream: 'BTC-PERP',
          payload: { instrumentId: 'BTC-PERP', initialMarginRate: '0.02', maintenanceMarginRate: '0.01', tiers: [{ notionalFloor: '1000000', initialMarginRate: '0.05', maintenanceMarginRate: '0.025' }] },
        },
      ],
    },
    {
      name: 'ApplyTrade opens a long',
      given: btcSetup('1000'),
      when: trade('T1', 'A1', 'BTC-PERP', 'long', '2', '100'),
      then: [
        {
          type: 'TradeApplied',
          stream: 'A1',
          payload: { tradeId: 'T1', accountId: 'A1', memberId: 'M1', instrumentId: 'BTC-PERP', side: 'long', quantity: '2', price: '100', realizedPnl: '0', position: { side: 'long', quantity: '2', entryPrice: '100' }, cashBalance: '1000' },
        },
      ],
    },
    {
      // (1 × 100 + 1 × 103) / 2 = 101.5
      name: 'ApplyTrade increases: average entry price',
      given: [...btcSetup('1000'), trade('T1', 'A1', 'BTC-PERP', 'long', '1', '100')],
      when: trade('T2', 'A1', 'BTC-PERP', 'long', '1', '103'),
      then: [
        {
          type: 'TradeApplied',
          stream: 'A1',
          payload: { tradeId: 'T2', accountId: 'A1', memberId: 'M1', instrumentId: 'BTC-PERP', side: 'long', quantity: '1', price: '103', realizedPnl: '0', position: { side: 'long', quantity: '2', entryPrice: '101.5' }, cashBalance: '1000' },
        },
      ],
    },
    {
      // sell 0.5 of a 2 @ 100 long at 110: realized 0.5 × (110 − 100) = 5
      name: 'ApplyTrade reduces: realized PnL',
      given: [...btcSetup('1000'), trade('T1', 'A1', 'BTC-PERP', 'long', '2', '100')],
      when: trade('T2', 'A1', 'BTC-PERP', 'short', '0.5', '110'),
      then: [
        {
          type: 'TradeApplied',
          stream: 'A1',
          payload: { tradeId: 'T2', accountId: 'A1', memberId: 'M1', instrumentId: 'BTC-PERP', side: 'short', quantity: '0.5', price: '110', realizedPnl: '5', position: { side: 'long', quantity: '1.5', entryPrice: '100' }, cashBalance: '1005' },
        },
      ],
    },
    {
      // sell 3 against a 1 @ 100 long at 90: close 1 (realized −10), open short 2 @ 90
      name: 'ApplyTrade flips',
      given: [...btcSetup('1000'), trade('T1', 'A1', 'BTC-PERP', 'long', '1', '100')],
      when: trade('T2', 'A1', 'BTC-PERP', 'short', '3', '90'),
      then: [
        {
          type: 'TradeApplied',
          stream: 'A1',
          payload: { tradeId: 'T2', accountId: 'A1', memberId: 'M1', instrumentId: 'BTC-PERP', side: 'short', quantity: '3', price: '90', realizedPnl: '-10', position: { side: 'short', quantity: '2', entryPrice: '90' }, cashBalance: '990' },
        },
      ],
    },
    {
      name: 'ApplyMarkPrice without a breach',
      given: withLong(),
      when: mark('BTC-PERP', '59000.5', 7),
      then: [{ type: 'MarkPriceApplied', stream: 'BTC-PERP', payload: { instrumentId: 'BTC-PERP', markPrice: '59000.5', markSeq: 7 } }],
    },
    {
      // long 1 @ 60,000, cash 8,000; mark 54,000: equity 8,000 − 6,000 = 2,000 < MM 2,700
      name: 'ApplyMarkPrice with a breach',
      given: withLong(),
      when: mark('BTC-PERP', '54000', 12),
      then: [
        { type: 'MarkPriceApplied', stream: 'BTC-PERP', payload: { instrumentId: 'BTC-PERP', markPrice: '54000', markSeq: 12 } },
        {
          type: 'MaintenanceBreached',
          stream: 'A1',
          payload: {
            accountId: 'A1',
            memberId: 'M1',
            breachId: 'A1@12',
            cashBalance: '8000',
            equity: '2000',
            maintenanceMarginRequired: '2700',
            positions: [{ instrumentId: 'BTC-PERP', side: 'long', quantity: '1', entryPrice: '60000', markPrice: '54000', contractSize: '1', unrealizedPnl: '-6000', maintenanceMarginRequired: '2700' }],
          },
        },
      ],
    },
    {
      // long 2 @ 60,000, cash 8,000, breached at 54,000 (equity 8,000 − 12,000 < 0). Liquidation closes 1 at 54,000:
      // realized −6,000, fee 10 ⇒ cash 1,990; left long 1: equity 1,990 − 6,000 < MM 2,700 ⇒ still pending
      name: 'ApplyLiquidationFill, partial, still below maintenance',
      given: [...withLong('2'), mark('BTC-PERP', '54000', 1)],
      when: liquidationFill('A1', 'BTC-PERP', 'long', '1', '54000', '10'),
      then: [
        {
          type: 'LiquidationFillApplied',
          stream: 'A1',
          payload: {
            liquidationId: 'liq:A1',
            accountId: 'A1',
            memberId: 'M1',
            instrumentId: 'BTC-PERP',
            side: 'long',
            quantity: '1',
            fillPrice: '54000',
            realizedPnl: '-6000',
            reportedRealizedPnl: '0',
            liquidationFee: '10',
            position: { side: 'long', quantity: '1', entryPrice: '60000' },
            cashBalance: '1990',
            liquidationPending: true,
          },
        },
      ],
    },
    {
      name: 'WriteOffDefaultedAccount',
      given: [...withLong(), mark('BTC-PERP', '40000', 1)],
      when: defaulted(),
      then: [
        {
          type: 'AccountWrittenOff',
          stream: 'A1',
          payload: { defaultId: 'default:A1:3', accountId: 'A1', memberId: 'M1', cashWrittenOff: '8000', deficit: '120', positions: [{ instrumentId: 'BTC-PERP', side: 'long', quantity: '1', entryPrice: '60000' }] },
        },
      ],
    },
    {
      // A1 is the defaulter (excluded); A2 is flat with cash 0 (not a participant); A3 is flat with cash 5
      name: 'CaptureAllocationBasis',
      given: [...withLong(), open('A2', 'M1'), open('A3', 'M1'), deposit('A3', '5')],
      when: command('CaptureAllocationBasis', { defaultId: 'd1', excludeAccountId: 'A1' }),
      then: [
        {
          type: 'AllocationBasisCaptured',
          stream: 'd1',
          payload: { defaultId: 'd1', marks: { 'BTC-PERP': '60000' }, participants: [{ accountId: 'A3', memberId: 'M1', cashBalance: '5', equity: '5', variationMarginGain: '0', positions: [] }] },
        },
      ],
    },
    {
      name: 'ApplyLossAllocation: a cash haircut',
      given: withLong(),
      when: lossAllocated([{ accountId: 'A1', memberId: 'M1', amount: '10' }]),
      then: [
        {
          type: 'LossAllocationApplied',
          stream: 'd1',
          payload: {
            defaultId: 'd1',
            policy: 'socialized-loss',
            totalCharged: '10',
            lines: [{ accountId: 'A1', memberId: 'M1', amount: '10', cashDebit: '10', closeCharge: '0', realizedPnl: '0', cashBalance: '7990' }],
          },
        },
      ],
    },
  ])('$name', ({ given: history, when, then }) => {
    const state = given(history);
    const decision = marginDecider.decide(when, state);
    expect(decision.kind).toBe('accepted');
    const events = decision.kind === 'accepted' ? decision.events : [];
    expect(events.map(({ type, stream, payload }) => ({ type, stream, payload }))).toEqual(then);
    expectValid(events);
    for (const e of events) marginDecider.evolve(state, e); // evolve re-checks its invariants
  });
});

describe('margin decider: rejections', () => {
  it.each<{ name: string; given: MarginCommand[]; when: MarginCommand; code: RejectionCode; path: string }>([
    { name: 'member registered twice', given: [member('M1')], when: member('M1'), code: 'duplicate', path: 'payload.memberId' },
    { name: 'account for an unknown member', given: [], when: open('A1', 'M9'), code: 'unknown_member', path: 'payload.memberId' },
    { name: 'account opened twice', given: [member('M1'), open('A1', 'M1')], when: open('A1', 'M1'), code: 'duplicate', path: 'payload.accountId' },
    { name: 'deposit to an unknown account', given: [member('M1')], when: deposit('A9', '1'), code: 'unknown_account', path: 'payload.accountId' },
    { name: 'deposit of a fraction of a cent', given: btcSetup(), when: deposit('A1', '1.001'), code: 'invalid_amount', path: 'payload.amount' },
    { name: 'deposit of zero', given: btcSetup(), when: deposit('A1', '0'), code: 'invalid_amount', path: 'payload.amount' },
    { name: 'deposit to a written-off account', given: [...btcSetup(), defaulted()], when: deposit('A1', '1'), code: 'unknown_account', path: 'payload.accountId' },
    { name: 'withdraw from an unknown account', given: [], when: withdraw('A9', '1'), code: 'unknown_account', path: 'payload.accountId' },
    { name: 'withdraw more than the cash', given: btcSetup('100'), when: withdraw('A1', '100.01'), code: 'insufficient_collateral', path: 'payload.amount' },
    { name: 'withdraw below the initial margin', given: withLong(), when: withdraw('A1', '2000.01'), code: 'insufficient_collateral', path: 'payload.amount' },
    {
      // long 1 @ 50,000 marked at 60,000: equity 11,000, but the cash is 1,000 — unrealized gains stay
      name: 'withdraw unrealized gains',
      given: [...withLong('1', '50000', '1000'), mark('BTC-PERP', '60000', 1)],
      when: withdraw('A1', '1000.01'),
      code: 'insufficient_collateral',
      path: 'payload.amount',
    },
    { name: 'instrument listed twice', given: [list('BTC-PERP', '0.1', '0.05')], when: list('BTC-PERP', '0.1', '0.05'), code: 'duplicate', path: 'payload.instrumentId' },
    { name: 'maintenance rate above initial', given: [], when: list('X', '0.05', '0.1'), code: 'invalid_amount', path: 'payload.maintenanceMarginRate' },
    { name: 'rate above 1', given: [], when: list('X', '1.5', '0.1'), code: 'invalid_amount', path: 'payload.initialMarginRate' },
    { name: 'rate with 9 decimals', given: [], when: list('X', '0.123456789', '0.1'), code: 'invalid_amount', path: 'payload.initialMarginRate' },
    { name: 'contract size of zero', given: [], when: list('X', '0.1', '0.05', '0'), code: 'invalid_amount', path: 'payload.contractSize' },
    {
      name: 'tier floors not increasing',
      given: [],
      when: list('X', '0.1', '0.05', '1', [
        { notionalFloor: '100', initialMarginRate: '0.2', maintenanceMarginRate: '0.1' },
        { notionalFloor: '100', initialMarginRate: '0.3', maintenanceMarginRate: '0.1' },
      ]),
      code: 'invalid_amount',
      path: 'payload.tiers[1].notionalFloor',
    },
    {
      name: 'parameters for an unknown instrument',
      given: [],
      when: command('SetMarginParameters', { instrumentId: 'X', initialMarginRate: '0.1', maintenanceMarginRate: '0.05' }),
      code: 'unknown_instrument',
      path: 'payload.instrumentId',
    },
    { name: 'trade for an unknown account', given: btcSetup(), when: trade('T1', 'A9', 'BTC-PERP', 'long', '1', '1'), code: 'unknown_account', path: 'payload.accountId' },
    { name: 'trade in an unknown instrument', given: btcSetup(), when: trade('T1', 'A1', 'ETH-PERP', 'long', '1', '1'), code: 'unknown_instrument', path: 'payload.instrumentId' },
    { name: 'trade id applied twice', given: withLong(), when: trade('T1', 'A1', 'BTC-PERP', 'long', '1', '1'), code: 'duplicate', path: 'payload.tradeId' },
    { name: 'trade quantity finer than 1e-8', given: btcSetup(), when: trade('T1', 'A1', 'BTC-PERP', 'long', '0.000000001', '1'), code: 'invalid_amount', path: 'payload.quantity' },
    { name: 'trade price of zero', given: btcSetup(), when: trade('T1', 'A1', 'BTC-PERP', 'long', '1', '0'), code: 'invalid_amount', path: 'payload.price' },
    { name: 'mark for an unknown instrument', given: [], when: mark('X', '1', 1), code: 'unknown_instrument', path: 'payload.instrumentId' },
    { name: 'mark price of zero', given: btcSetup(), when: mark('BTC-PERP', '0', 1), code: 'invalid_amount', path: 'payload.markPrice' },
    { name: 'mark with the same seq', given: [...btcSetup(), mark('BTC-PERP', '1', 5)], when: mark('BTC-PERP', '2', 5), code: 'stale_price', path: 'payload.markSeq' },
    { name: 'mark with an older seq', given: [...btcSetup(), mark('BTC-PERP', '1', 5)], when: mark('BTC-PERP', '2', 4), code: 'stale_price', path: 'payload.markSeq' },
    { name: 'fill for an unknown account', given: withLong(), when: liquidationFill('A9', 'BTC-PERP', 'long', '1', '1'), code: 'unknown_account', path: 'payload.accountId' },
    { name: 'fill naming another member', given: withLong(), when: liquidationFill('A1', 'BTC-PERP', 'long', '1', '1', '0', 'M2'), code: 'malformed', path: 'payload.memberId' },
    { name: 'fill in an unknown instrument', given: withLong(), when: liquidationFill('A1', 'ETH-PERP', 'long', '1', '1'), code: 'unknown_instrument', path: 'payload.instrumentId' },
    { name: 'fill larger than the position', given: withLong(), when: liquidationFill('A1', 'BTC-PERP', 'long', '1.5', '1'), code: 'invalid_amount', path: 'payload.quantity' },
    { name: 'fill on the wrong side', given: withLong(), when: liquidationFill('A1', 'BTC-PERP', 'short', '1', '1'), code: 'invalid_amount', path: 'payload.quantity' },
    { name: 'fill fee in fractions of a cent', given: withLong(), when: liquidationFill('A1', 'BTC-PERP', 'long', '1', '1', '0.001'), code: 'invalid_amount', path: 'payload.liquidationFee' },
    { name: 'write-off of an unknown account', given: btcSetup(), when: defaulted('A9'), code: 'unknown_account', path: 'payload.accountId' },
    { name: 'write-off twice', given: [...btcSetup(), defaulted()], when: defaulted('A1', 'default:A1:9'), code: 'duplicate', path: 'payload.accountId' },
    {
      name: 'basis captured twice for one default',
      given: [command('CaptureAllocationBasis', { defaultId: 'd1', excludeAccountId: 'A1' })],
      when: command('CaptureAllocationBasis', { defaultId: 'd1', excludeAccountId: 'A1' }),
      code: 'duplicate',
      path: 'payload.defaultId',
    },
    { name: 'allocation to an unknown account', given: btcSetup(), when: lossAllocated([{ accountId: 'A9', memberId: 'M1', amount: '10' }]), code: 'unknown_account', path: 'payload.allocations[0].accountId' },
    { name: 'allocation in fractions of a cent', given: btcSetup(), when: lossAllocated([{ accountId: 'A1', memberId: 'M1', amount: '0.001' }]), code: 'invalid_amount', path: 'payload.allocations[0].amount' },
    {
      name: 'allocation close without a price',
      given: withLong(),
      when: lossAllocated([{ accountId: 'A1', memberId: 'M1', amount: '10', instrumentId: 'BTC-PERP', quantityClosed: '1' }]),
      code: 'malformed',
      path: 'payload.allocations[0]',
    },
    {
      name: 'allocation close of an unknown instrument',
      given: withLong(),
      when: lossAllocated([{ accountId: 'A1', memberId: 'M1', amount: '10', instrumentId: 'X', quantityClosed: '1', closePrice: '1' }]),
      code: 'unknown_instrument',
      path: 'payload.allocations[0].instrumentId',
    },
    {
      // two lines closing 0.6 each of a 1 BTC long: the second exceeds what the first left
      name: 'allocation closes more than is open (lines apply in order)',
      given: withLong(),
      when: lossAllocated([
        { accountId: 'A1', memberId: 'M1', amount: '5', instrumentId: 'BTC-PERP', quantityClosed: '0.6', closePrice: '60000' },
        { accountId: 'A1', memberId: 'M1', amount: '5', instrumentId: 'BTC-PERP', quantityClosed: '0.6', closePrice: '60000' },
      ]),
      code: 'invalid_amount',
      path: 'payload.allocations[1].quantityClosed',
    },
    {
      name: 'allocation applied twice for one default',
      given: [...btcSetup(), lossAllocated([{ accountId: 'A1', memberId: 'M1', amount: '10' }])],
      when: lossAllocated([{ accountId: 'A1', memberId: 'M1', amount: '10' }]),
      code: 'duplicate',
      path: 'payload.defaultId',
    },
  ])('$name → $code at $path', ({ given: history, when, code, path }) => {
    const state = given(history);
    const before = marginStateDigest(state);
    const decision = marginDecider.decide(when, state);
    expect(decision).toMatchObject({ kind: 'rejected', rejection: { code, path } });
    expect(marginStateDigest(state)).toBe(before);
  });
});

describe('breach bookkeeping', () => {
  it('a cross-margined account is checked directly and breaches on the mark of either instrument', () => {
    // long 1 BTC @ 60,000 and short 10 ETH @ 3,000 (both size 1, MM 5%), cash 5,000.
    // BTC → 57,000: equity 5,000 − 3,000 = 2,000; MM 0.05 × (57,000 + 30,000) = 4,350 ⇒ breach.
    const state = given([...btcSetup('5000'), list('ETH-PERP', '0.1', '0.05'), trade('T1', 'A1', 'BTC-PERP', 'long', '1', '60000'), trade('T2', 'A1', 'ETH-PERP', 'short', '10', '3000')]);
    const events = apply(state, mark('BTC-PERP', '57000', 1));
    expect(events.map((e) => e.type)).toEqual(['MarkPriceApplied', 'MaintenanceBreached']);
    expect(events[1]!.payload).toMatchObject({ equity: '2000', maintenanceMarginRequired: '4350' });
    expect((events[1]!.payload as { positions: unknown[] }).positions).toHaveLength(2);
  });

  it('a fill that restores maintenance clears the pending liquidation, and the account can breach again', () => {
    // long 2 @ 60,000 with cash 8,000; mark 56,000: equity 0 < MM 5,600 ⇒ breach
    const state = given([...withLong('2'), mark('BTC-PERP', '56000', 1)]);
    expect(accountView(state, 'A1')?.liquidationPending).toBe(true);
    // close 1.5 at 56,000: realized −6,000 ⇒ cash 2,000; left long 0.5: equity 2,000 − 2,000 = 0 < MM 1,400 ⇒ still pending
    expect(apply(state, liquidationFill('A1', 'BTC-PERP', 'long', '1.5', '56000'))[0]!.payload).toMatchObject({ cashBalance: '2000', liquidationPending: true });
    apply(state, deposit('A1', '10000')); // cash 12,000: equity 10,000 at 56,000
    // close the last 0.5 at 56,000: realized −2,000 ⇒ cash 10,000, flat ⇒ cleared
    expect(apply(state, liquidationFill('A1', 'BTC-PERP', 'long', '0.5', '56000'))[0]!.payload).toMatchObject({ cashBalance: '10000', liquidationPending: false });
    apply(state, trade('T2', 'A1', 'BTC-PERP', 'long', '4', '56000'));
    // long 4 @ 56,000 with cash 10,000 breaches below 214,000 / 3.8 = 56,315.78…; at 55,000: equity 6,000 < MM 11,000
    expect(apply(state, mark('BTC-PERP', '55000', 2)).map((e) => e.type)).toEqual(['MarkPriceApplied', 'MaintenanceBreached']);
  });
});

describe('allocation basis waits for the liquidations margin raised (docs/adr/0006)', () => {
  const completed = (breachId: string, outcome: 'restored' | 'closed-out' | 'defaulted' = 'closed-out') =>
    command('ResolveBreach', {
      breachId,
      accountId: 'A1',
      memberId: 'M1',
      outcome,
      step: 'full',
      executionModel: 'at-mark',
      positionsClosed: 1,
      realizedPnl: '-4000',
      liquidationFees: '0',
      equityBefore: '4000',
      equityAfter: '4000',
      defaultId: null,
    });
  // long 2 @ 60,000, cash 8,000; mark 56,000 ⇒ A1 breaches (breachId A1@1)
  const breached = () => given([...withLong('2'), open('B1', 'M1'), deposit('B1', '500'), mark('BTC-PERP', '56000', 1)]);

  it('a request while a breach is outstanding is deferred, and captured when the breach resolves', () => {
    const state = breached();
    const request = command('CaptureAllocationBasis', { defaultId: 'd1', excludeAccountId: 'Z9' });
    const deferred = apply(state, request);
    expect(deferred).toEqual([
      { type: 'AllocationBasisDeferred', stream: 'd1', correlationId: 'd1', payload: { defaultId: 'd1', excludeAccountId: 'Z9', breachesOutstanding: 1 } },
    ]);
    expectValid(deferred);
    apply(state, liquidationFill('A1', 'BTC-PERP', 'long', '2', '56000'));
    const released = apply(state, completed('A1@1'));
    expect(typesOf(released)).toEqual(['BreachResolved', 'AllocationBasisCaptured']);
    expectValid(released);
    // the basis is the one an immediate capture after the fill would have given
    const direct = given([...withLong('2'), open('B1', 'M1'), deposit('B1', '500'), mark('BTC-PERP', '56000', 1)]);
    apply(direct, liquidationFill('A1', 'BTC-PERP', 'long', '2', '56000'));
    apply(direct, completed('A1@1'));
    expect(apply(direct, request)).toEqual([released[1]]);
    expect(state.deferredBases).toEqual([]);
  });

  it('a second request for a deferred default is a duplicate; resolving an unknown breach is refused', () => {
    const state = breached();
    apply(state, command('CaptureAllocationBasis', { defaultId: 'd1', excludeAccountId: 'Z9' }));
    expect(attempt(state, command('CaptureAllocationBasis', { defaultId: 'd1', excludeAccountId: 'Z9' }))).toMatchObject({ rejection: { code: 'duplicate', path: 'payload.defaultId' } });
    expect(attempt(state, completed('A1@9'))).toMatchObject({ rejection: { code: 'duplicate', path: 'payload.breachId' } });
  });
});
