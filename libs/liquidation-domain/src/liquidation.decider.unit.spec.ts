import { canonicalJson, LiquidationCommandType, LIQUIDATION_COMMAND_SCHEMAS, RejectionCode } from '@ccp/contracts';
import { z } from 'zod';
import { liquidationDecider, LiquidationCommand, LiquidationEvent } from './liquidation.decider';
import { liquidationWireInputs, parseLiquidationCommand } from './liquidation.boundary';
import { breach, eventsOf, expectSchemaValid, given, liquidate, META, must, ofType, position, recordFill, setParameters, single, when } from './liquidation.test-fixtures';

const BTC = 'BTC-PERP';
const ETH = 'ETH-PERP';

/** long 1 BTC @ 50,000, cash 1,000: bankruptcy price 49,000; maintenance margin 5% of the mark notional. */
const singleLong = (markPrice: string) =>
  breach({ cashBalance: '1000', positions: [position({ instrumentId: BTC, markPrice, maintenanceMarginRequired: '2475' })] });

const filled = (p: Record<string, string>, correlationId?: string): LiquidationEvent => ({
  type: 'LiquidationFilled',
  stream: 'acc-1',
  ...(correlationId === undefined ? {} : { correlationId }),
  payload: { accountId: 'acc-1', memberId: 'member-1', liquidationId: `liq:acc-1:7:${p.instrumentId}`, side: 'long', ...p } as never,
});

describe('liquidationDecider — SetLiquidationParameters / RecordExternalFill', () => {
  it.each([
    {
      name: 'full mode at mark, decimals made canonical',
      when: setParameters({ liquidationFeeRate: '0.0050' }),
      then: [{ type: 'LiquidationParametersSet', stream: 'liquidation-parameters', payload: { mode: 'full', liquidationFeeRate: '0.005', executionModel: { kind: 'at-mark' } } }],
    },
    {
      name: 'partial mode with Hyperliquid-style 20% first step above 100,000 USD',
      when: setParameters({ mode: 'partial', partialFraction: '0.20', partialNotionalThreshold: '100000.00' }),
      then: [
        {
          type: 'LiquidationParametersSet',
          stream: 'liquidation-parameters',
          payload: { mode: 'partial', partialFraction: '0.2', partialNotionalThreshold: '100000', liquidationFeeRate: '0.005', executionModel: { kind: 'at-mark' } },
        },
      ],
    },
    {
      name: 'impact execution model',
      when: setParameters({ executionModel: { kind: 'impact', impactPerNotional: '0.0010', maxSlippage: '0.05' } }),
      then: [
        {
          type: 'LiquidationParametersSet',
          stream: 'liquidation-parameters',
          payload: { mode: 'full', liquidationFeeRate: '0.005', executionModel: { kind: 'impact', impactPerNotional: '0.001', maxSlippage: '0.05' } },
        },
      ],
    },
    {
      name: 'external fill recorded with its quantity',
      when: recordFill(BTC, '49100.50', '2.0'),
      then: [{ type: 'ExternalFillRecorded', stream: BTC, payload: { instrumentId: BTC, price: '49100.5', quantity: '2' } }],
    },
    {
      name: 'external fill recorded without quantity (no parameters needed)',
      when: recordFill(ETH, '3000'),
      then: [{ type: 'ExternalFillRecorded', stream: ETH, payload: { instrumentId: ETH, price: '3000' } }],
    },
  ])('$name', ({ when: command, then }) => {
    const events = eventsOf(when([], command));
    expect(events).toEqual(then);
    expectSchemaValid(events);
  });

  it('the latest parameters and the latest external fill per instrument are the ones in force', () => {
    const state = given([setParameters(), setParameters({ mode: 'partial', partialFraction: '0.5' }), recordFill(BTC, '1'), recordFill(BTC, '2')]);
    expect(state.parameters).toEqual({ mode: 'partial', partialFraction: '0.5', liquidationFeeRate: '0.005', executionModel: { kind: 'at-mark' } });
    expect(state.externalFills[BTC]).toEqual({ instrumentId: BTC, price: '2' });
    expect(() => canonicalJson(state)).not.toThrow(); // snapshot-able state
  });
});

describe('liquidationDecider — LiquidateAccount, given/when/then', () => {
  it.each([
    {
      name: 'full, at mark: fee = 0.5% of the fill notional, taken from positive equity',
      // equity 1,000 − 500 = 500; fill at 49,500 realizes −500; nominal fee 0.005 × 49,500 = 247.50 ≤ 500
      given: [setParameters()],
      when: liquidate(singleLong('49500')),
      then: [
        filled({ instrumentId: BTC, quantity: '1', fillPrice: '49500', realizedPnl: '-500', liquidationFee: '247.5' }),
        {
          type: 'LiquidationCompleted',
          stream: 'acc-1',
          payload: {
            breachId: 'acc-1:7', accountId: 'acc-1', memberId: 'member-1', outcome: 'closed-out', step: 'full', executionModel: 'at-mark',
            positionsClosed: 1, realizedPnl: '-500', liquidationFees: '247.5', equityBefore: '500', equityAfter: '252.5', defaultId: null,
          },
        },
      ],
    },
    {
      name: 'full, at mark: fee capped at the equity left (100 < 245.50)',
      given: [setParameters()],
      when: liquidate(singleLong('49100')),
      then: [
        filled({ instrumentId: BTC, quantity: '1', fillPrice: '49100', realizedPnl: '-900', liquidationFee: '100' }),
        {
          type: 'LiquidationCompleted',
          stream: 'acc-1',
          payload: {
            breachId: 'acc-1:7', accountId: 'acc-1', memberId: 'member-1', outcome: 'closed-out', step: 'full', executionModel: 'at-mark',
            positionsClosed: 1, realizedPnl: '-900', liquidationFees: '100', equityBefore: '100', equityAfter: '0', defaultId: null,
          },
        },
      ],
    },
    {
      name: 'full, at mark below bankruptcy: default with deficit 200, margin applied 1,000, no fee',
      given: [setParameters()],
      when: liquidate(singleLong('48800')),
      then: [
        filled({ instrumentId: BTC, quantity: '1', fillPrice: '48800', realizedPnl: '-1200', liquidationFee: '0' }, 'default:acc-1:acc-1:7'),
        {
          type: 'AccountDefaulted',
          stream: 'acc-1',
          correlationId: 'default:acc-1:acc-1:7',
          payload: {
            defaultId: 'default:acc-1:acc-1:7', accountId: 'acc-1', memberId: 'member-1', marginApplied: '1000', deficit: '200',
            positions: [{ instrumentId: BTC, side: 'long', quantity: '1', markPrice: '48800', bankruptcyPrice: '49000', contractSize: '1' }],
          },
        },
        {
          type: 'LiquidationCompleted',
          stream: 'acc-1',
          correlationId: 'default:acc-1:acc-1:7',
          payload: {
            breachId: 'acc-1:7', accountId: 'acc-1', memberId: 'member-1', outcome: 'defaulted', step: 'full', executionModel: 'at-mark',
            positionsClosed: 1, realizedPnl: '-1200', liquidationFees: '0', equityBefore: '-200', equityAfter: '-200', defaultId: 'default:acc-1:acc-1:7',
          },
        },
      ],
    },
  ])('$name', ({ given: g, when: command, then }) => {
    const events = eventsOf(when(g, command));
    expect(events).toEqual(then);
    expectSchemaValid(events);
  });

  it('two positions, equity exactly 0 after the close-out: no default and no fee', () => {
    // BTC long 2 @ 50,000 mark 47,000 (−6,000); ETH short 10 @ 3,000 mark 2,900 (+1,000); cash 5,000
    const snapshot = breach({
      cashBalance: '5000',
      positions: [
        position({ instrumentId: ETH, side: 'short', quantity: '10', entryPrice: '3000', markPrice: '2900', maintenanceMarginRequired: '1450' }),
        position({ instrumentId: BTC, quantity: '2', entryPrice: '50000', markPrice: '47000', maintenanceMarginRequired: '4700' }),
      ],
    });
    const events = eventsOf(when([setParameters()], liquidate(snapshot)));
    expectSchemaValid(events);
    expect(ofType(events, 'AccountDefaulted')).toEqual([]);
    expect(ofType(events, 'LiquidationFilled').map((e) => [e.payload.instrumentId, e.payload.realizedPnl, e.payload.liquidationFee])).toEqual([
      [BTC, '-6000', '0'], // sorted by instrumentId
      [ETH, '1000', '0'],
    ]);
    expect(single(events, 'LiquidationCompleted').payload).toMatchObject({ outcome: 'closed-out', equityAfter: '0', liquidationFees: '0' });
  });

  it('two positions in default: bankruptcy price of each holds the other at mark; marginApplied + deficit = close-out loss', () => {
    const snapshot = breach({
      cashBalance: '4000',
      positions: [
        position({ instrumentId: BTC, quantity: '2', entryPrice: '50000', markPrice: '47000', maintenanceMarginRequired: '4700' }),
        position({ instrumentId: ETH, side: 'short', quantity: '10', entryPrice: '3000', markPrice: '2900', maintenanceMarginRequired: '1450' }),
      ],
    });
    const events = eventsOf(when([setParameters()], liquidate(snapshot)));
    expectSchemaValid(events);
    const defaulted = single(events, 'AccountDefaulted');
    // BTC: 50,000 − (4,000 + 1,000) / 2 = 47,500; ETH: 3,000 + (4,000 − 6,000) / 10 = 2,800
    expect(defaulted.payload).toEqual({
      defaultId: 'default:acc-1:acc-1:7', accountId: 'acc-1', memberId: 'member-1', marginApplied: '4000', deficit: '1000',
      positions: [
        { instrumentId: BTC, side: 'long', quantity: '2', markPrice: '47000', bankruptcyPrice: '47500', contractSize: '1' },
        { instrumentId: ETH, side: 'short', quantity: '10', markPrice: '2900', bankruptcyPrice: '2800', contractSize: '1' },
      ],
    });
    // close-out loss = −Σ realized = 6,000 − 1,000 = 5,000 = 4,000 + 1,000
    expect(events.every((e) => e.correlationId === 'default:acc-1:acc-1:7')).toBe(true);
  });

  it('negative cash: marginApplied is 0 and the deficit carries the negative cash (close-out loss = max(0, −cash) − Σ realized)', () => {
    const snapshot = breach({ cashBalance: '-100', positions: [position({ instrumentId: BTC, entryPrice: '50000', markPrice: '50200' })] });
    const events = eventsOf(when([setParameters()], liquidate(snapshot)));
    // realized +200, equity after = 100 ≥ 0: closed out, fee min(0.005 × 50,200 = 251, 100) = 100
    expect(single(events, 'LiquidationFilled').payload).toMatchObject({ realizedPnl: '200', liquidationFee: '100' });
    const deeper = breach({ cashBalance: '-300', breachId: 'acc-1:8', positions: [position({ instrumentId: BTC, entryPrice: '50000', markPrice: '50200' })] });
    const defaulted = single(eventsOf(when([setParameters()], liquidate(deeper))), 'AccountDefaulted');
    expect(defaulted.payload).toMatchObject({ marginApplied: '0', deficit: '100' }); // 0 + 100 = 300 − 200
  });

  it.each([
    {
      name: 'restored by the partial step: 2 of 10 closed, equity 3,951 ≥ remaining maintenance 3,920',
      cash: '14000',
      then: { fills: [[BTC, '2', '49000', '-2000', '49']], outcome: 'restored', step: 'partial', equityAfter: '3951' },
    },
    {
      name: 'partial step not enough (3,851 < 3,920): full close-out instead, one fill per position',
      cash: '13900',
      then: { fills: [[BTC, '10', '49000', '-10000', '245']], outcome: 'closed-out', step: 'full', equityAfter: '3655' },
    },
  ])('partial mode: $name', ({ cash, then }) => {
    // long 10 BTC @ 50,000, mark 49,000 (notional 490,000 > 100,000), MM 1% = 4,900; fee 5 bp
    const params = setParameters({ mode: 'partial', partialFraction: '0.2', partialNotionalThreshold: '100000', liquidationFeeRate: '0.0005' });
    const snapshot = breach({ cashBalance: cash, positions: [position({ instrumentId: BTC, quantity: '10', markPrice: '49000', maintenanceMarginRequired: '4900' })] });
    const events = eventsOf(when([params], liquidate(snapshot)));
    expectSchemaValid(events);
    expect(ofType(events, 'LiquidationFilled').map((e) => [e.payload.instrumentId, e.payload.quantity, e.payload.fillPrice, e.payload.realizedPnl, e.payload.liquidationFee])).toEqual(then.fills);
    expect(single(events, 'LiquidationCompleted').payload).toMatchObject({ outcome: then.outcome, step: then.step, equityAfter: then.equityAfter });
  });

  it('partial mode: a position at or below the notional threshold is closed whole in the partial step', () => {
    const params = setParameters({ mode: 'partial', partialFraction: '0.2', partialNotionalThreshold: '100000', liquidationFeeRate: '0.0005' });
    const snapshot = breach({
      cashBalance: '14000',
      positions: [
        position({ instrumentId: BTC, quantity: '10', markPrice: '49000', maintenanceMarginRequired: '4900' }),
        position({ instrumentId: ETH, quantity: '1', entryPrice: '3000', markPrice: '3000', maintenanceMarginRequired: '30' }),
      ],
    });
    const events = eventsOf(when([params], liquidate(snapshot)));
    // fees 49 + 1.50 from equity 4,000 → 3,949.50 ≥ 3,920 (BTC remaining) + 0 (ETH closed)
    expect(ofType(events, 'LiquidationFilled').map((e) => [e.payload.instrumentId, e.payload.quantity, e.payload.liquidationFee])).toEqual([
      [BTC, '2', '49'],
      [ETH, '1', '1.5'],
    ]);
    expect(single(events, 'LiquidationCompleted').payload).toMatchObject({ outcome: 'restored', equityAfter: '3949.5' });
  });

  it('impact model: a long is sold at mark × (1 − 0.01 × notional / 1M)', () => {
    // notional 490,000 → slippage 0.0049 → 49,000 × 0.9951 = 48,759.9; realized 10 × (48,759.9 − 50,000) = −12,401
    // equity after 14,000 − 12,401 = 1,599; fee 0.0005 × 487,599 = 243.7995 → 243.79 (toward zero)
    const params = setParameters({ liquidationFeeRate: '0.0005', executionModel: { kind: 'impact', impactPerNotional: '0.01', maxSlippage: '0.05' } });
    const snapshot = breach({ cashBalance: '14000', positions: [position({ instrumentId: BTC, quantity: '10', markPrice: '49000' })] });
    const events = eventsOf(when([params], liquidate(snapshot)));
    expect(single(events, 'LiquidationFilled').payload).toMatchObject({ fillPrice: '48759.9', realizedPnl: '-12401', liquidationFee: '243.79' });
  });

  it('impact model: a short is bought at mark × (1 + slippage), slippage capped at maxSlippage', () => {
    // notional 3.1M × 0.1 / 1M = 0.31 → capped 0.02 → 3,100 × 1.02 = 3,162; realized −1,000 × 162 = −162,000
    const params = setParameters({ executionModel: { kind: 'impact', impactPerNotional: '0.1', maxSlippage: '0.02' } });
    const snapshot = breach({ cashBalance: '150000', positions: [position({ instrumentId: ETH, side: 'short', quantity: '1000', entryPrice: '3000', markPrice: '3100' })] });
    const events = eventsOf(when([params], liquidate(snapshot)));
    expect(single(events, 'LiquidationFilled').payload).toMatchObject({ side: 'short', fillPrice: '3162', realizedPnl: '-162000', liquidationFee: '0' });
    expect(single(events, 'AccountDefaulted').payload).toMatchObject({ marginApplied: '150000', deficit: '12000', positions: [expect.objectContaining({ bankruptcyPrice: '3150' })] });
  });

  it('external-fills model: fills at the latest recorded price, not the mark', () => {
    const events = eventsOf(when([setParameters({ executionModel: { kind: 'external-fills' } }), recordFill(BTC, '49000'), recordFill(BTC, '49300')], liquidate(singleLong('49500'))));
    expect(single(events, 'LiquidationFilled').payload).toMatchObject({ fillPrice: '49300', realizedPnl: '-700', liquidationFee: '246.5' });
  });

  it('the same snapshot with a new breachId is liquidated again; the breach is remembered after evolve', () => {
    const state = given([setParameters(), liquidate(singleLong('49500'))]);
    expect(state.liquidatedBreaches).toEqual({ 'acc-1:7': 'closed-out' });
    const again = liquidationDecider.decide(liquidate({ ...singleLong('49500'), breachId: 'acc-1:9' }), state);
    expect(again.kind).toBe('accepted');
  });
});

describe('liquidationDecider — rejections (nothing is half-applied)', () => {
  const base = singleLong('49500');
  const twoPositions = breach({ positions: [position({ instrumentId: BTC }), position({ instrumentId: ETH, entryPrice: '3000', markPrice: '2900' })] });
  it.each<{ name: string; given: LiquidationCommand[]; when: LiquidationCommand; code: RejectionCode; path: string; retryable?: boolean }>([
    { name: 'unknown mode', given: [], when: setParameters({ mode: 'half' as never }), code: 'malformed', path: 'payload.mode' },
    { name: 'partial mode without a fraction', given: [], when: setParameters({ mode: 'partial' }), code: 'malformed', path: 'payload.partialFraction' },
    { name: 'unknown execution model', given: [], when: setParameters({ executionModel: { kind: 'auction' } as never }), code: 'malformed', path: 'payload.executionModel.kind' },
    { name: 'extra field', given: [], when: setParameters({ cap: '1' } as never), code: 'malformed', path: 'payload.cap' },
    { name: 'negative fee rate', given: [], when: setParameters({ liquidationFeeRate: '-0.1' }), code: 'invalid_amount', path: 'payload.liquidationFeeRate' },
    { name: 'fee rate of 100%', given: [], when: setParameters({ liquidationFeeRate: '1' }), code: 'invalid_amount', path: 'payload.liquidationFeeRate' },
    { name: 'partial fraction above 1', given: [], when: setParameters({ mode: 'partial', partialFraction: '1.5' }), code: 'invalid_amount', path: 'payload.partialFraction' },
    {
      name: 'slippage cap of 100%',
      given: [],
      when: setParameters({ executionModel: { kind: 'impact', impactPerNotional: '0.1', maxSlippage: '1' } }),
      code: 'invalid_amount',
      path: 'payload.executionModel.maxSlippage',
    },
    { name: 'external fill with a number price', given: [], when: recordFill(BTC, 5 as never), code: 'malformed', path: 'payload.price' },
    { name: 'external fill with an empty instrument', given: [], when: recordFill('', '1'), code: 'malformed', path: 'payload.instrumentId' },
    { name: 'external fill at price 0', given: [], when: recordFill(BTC, '0'), code: 'invalid_amount', path: 'payload.price' },
    { name: 'external fill with 9 decimals', given: [], when: recordFill(BTC, '1.123456789'), code: 'invalid_amount', path: 'payload.price' },
    { name: 'snapshot without positions', given: [setParameters()], when: liquidate({ ...base, positions: [] }), code: 'malformed', path: 'payload.positions' },
    { name: 'snapshot without memberId', given: [setParameters()], when: liquidate({ ...base, memberId: undefined as never }), code: 'malformed', path: 'payload.memberId' },
    {
      name: 'the same instrument twice',
      given: [setParameters()],
      when: liquidate({ ...base, positions: [position({ instrumentId: BTC }), position({ instrumentId: BTC })] }),
      code: 'malformed',
      path: 'payload.positions[1].instrumentId',
    },
    { name: 'a breachId too long to derive ids from', given: [setParameters()], when: liquidate({ ...base, breachId: `b${'x'.repeat(195)}` }), code: 'malformed', path: 'payload.breachId' },
    { name: 'zero quantity', given: [setParameters()], when: liquidate({ ...base, positions: [position({ instrumentId: BTC, quantity: '0' })] }), code: 'invalid_amount', path: 'payload.positions[0].quantity' },
    { name: 'cash with sub-cent digits', given: [setParameters()], when: liquidate({ ...base, cashBalance: '1000.001' }), code: 'invalid_amount', path: 'payload.cashBalance' },
    {
      name: 'mark with 9 decimals',
      given: [setParameters()],
      when: liquidate({ ...base, positions: [position({ instrumentId: BTC, markPrice: '49500.000000001' })] }),
      code: 'invalid_amount',
      path: 'payload.positions[0].markPrice',
    },
    {
      name: 'external-fills model with no fill for an instrument',
      given: [setParameters({ executionModel: { kind: 'external-fills' } }), recordFill(BTC, '49000')],
      when: liquidate(twoPositions),
      code: 'unknown_instrument',
      path: 'payload.positions[1].instrumentId',
    },
    { name: 'a cash balance beyond the bound of a figure (39 digits)', given: [setParameters()], when: liquidate({ ...base, cashBalance: `1${'0'.repeat(38)}` }), code: 'invalid_amount', path: 'payload.cashBalance' },
    {
      // bankruptcy price = entry − cash ÷ (q·c) = 1 + 10^22 ÷ 10^-16 > 10^38: refused, not an invariant crash
      name: 'a dust position whose bankruptcy price would be beyond the bound of a figure',
      given: [setParameters({ liquidationFeeRate: '0' })],
      when: liquidate(breach({ cashBalance: `-1${'0'.repeat(22)}`, positions: [position({ instrumentId: BTC, quantity: '0.00000001', contractSize: '0.00000001', entryPrice: '1', markPrice: '1' })] })),
      code: 'invalid_amount',
      path: 'payload',
    },
    { name: 'the same breach twice', given: [setParameters(), liquidate(base)], when: liquidate(base), code: 'duplicate', path: 'payload.breachId' },
    { name: 'no parameters in force yet', given: [recordFill(BTC, '1')], when: liquidate(base), code: 'parameters_missing', path: '', retryable: true },
  ])('$name → $code at $path', ({ given: g, when: command, code, path, retryable }) => {
    const decision = when(g, command);
    expect(decision.kind).toBe('rejected');
    if (decision.kind !== 'rejected') return;
    expect(decision.rejection).toMatchObject({ code, path, retryable: retryable ?? false });
  });
});

describe('boundary: parseLiquidationCommand and liquidationWireInputs', () => {
  it.each(Object.keys(LIQUIDATION_COMMAND_SCHEMAS) as LiquidationCommandType[])('parses a valid %s', (type) => {
    const sample: Record<LiquidationCommandType, LiquidationCommand> = {
      SetLiquidationParameters: setParameters(),
      RecordExternalFill: recordFill(BTC, '1'),
      LiquidateAccount: liquidate(singleLong('49500')),
    };
    const raw: unknown = JSON.parse(JSON.stringify(sample[type]));
    expect(parseLiquidationCommand(raw)).toEqual({ ok: true, value: sample[type] });
  });

  it.each([
    { raw: { type: 'Liquidate', payload: {}, meta: META }, code: 'unknown_type', path: 'type' },
    { raw: { type: 'RecordExternalFill', payload: { instrumentId: BTC, price: '1' }, meta: { occurredAt: 'yesterday', correlationId: null } }, code: 'malformed', path: 'meta.occurredAt' },
    { raw: { type: 'RecordExternalFill', payload: { instrumentId: BTC, price: '-1' }, meta: META }, code: 'invalid_amount', path: 'payload.price' },
    { raw: { type: 'LiquidateAccount', payload: { ...singleLong('1'), equity: 1 }, meta: META }, code: 'malformed', path: 'payload.equity' },
    { raw: 'LiquidateAccount', code: 'malformed', path: '' },
  ])('rejects $raw.type with $code at $path', ({ raw, code, path }) => {
    const parsed = parseLiquidationCommand(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.rejection).toMatchObject({ code, path });
  });

  it('MaintenanceBreached becomes LiquidateAccount with the snapshot and meta unchanged', () => {
    const payload = singleLong('49500');
    const translate = must(liquidationWireInputs.MaintenanceBreached, 'MaintenanceBreached translator');
    expect(translate(payload, { occurredAt: META.occurredAt, correlationId: 'corr-9' })).toEqual([
      { type: 'LiquidateAccount', payload, meta: { occurredAt: META.occurredAt, correlationId: 'corr-9' } },
    ]);
    expect(Object.keys(liquidationWireInputs)).toEqual(['MaintenanceBreached']);
  });

  it('command and event schemas produce JSON Schema for the catalogue', () => {
    for (const schema of Object.values(LIQUIDATION_COMMAND_SCHEMAS)) expect(z.toJSONSchema(schema)).toHaveProperty('type', 'object');
  });
});
