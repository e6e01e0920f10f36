import { MARGIN_EVENT_SCHEMAS, type RejectionCode } from '@ccp/contracts';
import { marginDecider } from './margin.decider';
import { marginStateDigest } from './margin.snapshot';
import { attempt, command, deposit, given, list, mark, member, open, trade } from './margin.test-support';
import type { MarginCommand, MarginCommandOf, MarginEvent } from './margin.types';

/**
 * Configured maxima of an instrument (ListInstrument / SetMarginParameters `maxQuantity`, `maxPrice`),
 * the role of Binance's LOT_SIZE.maxQty and PRICE_FILTER.maxPrice: a trade above maxQuantity, or a
 * trade or mark above maxPrice, is refused as invalid_amount naming the field and the limit.
 */
const listLimited = (limits: Pick<MarginCommandOf<'ListInstrument'>['payload'], 'maxQuantity' | 'maxPrice'>) =>
  command('ListInstrument', { instrumentId: 'BTC-PERP', contractSize: '1', initialMarginRate: '0.1', maintenanceMarginRate: '0.05', ...limits });
const setParameters = (limits: Pick<MarginCommandOf<'SetMarginParameters'>['payload'], 'maxQuantity' | 'maxPrice'>) =>
  command('SetMarginParameters', { instrumentId: 'BTC-PERP', initialMarginRate: '0.2', maintenanceMarginRate: '0.1', ...limits });
const account = [member('M1'), open('A1', 'M1'), deposit('A1', '1000000')];

function eventsOf(result: ReturnType<typeof attempt>): MarginEvent[] {
  if ('rejection' in result) throw new Error(`rejected: ${result.rejection.code} at ${result.rejection.path}: ${result.rejection.message}`);
  return result.events;
}

describe('instrument limits: refused beyond the configured maxima', () => {
  it.each<{ name: string; given: MarginCommand[]; when: MarginCommand; code: RejectionCode; path: string; message: RegExp }>([
    {
      name: 'a trade above maxQuantity',
      given: [...account, listLimited({ maxQuantity: '100' })],
      when: trade('T1', 'A1', 'BTC-PERP', 'long', '100.00000001', '60000'),
      code: 'invalid_amount',
      path: 'payload.quantity',
      message: /100\.00000001 exceeds the maxQuantity 100 configured for BTC-PERP/,
    },
    {
      name: 'a trade above maxPrice',
      given: [...account, listLimited({ maxPrice: '1000000' })],
      when: trade('T1', 'A1', 'BTC-PERP', 'short', '1', '1000000.5'),
      code: 'invalid_amount',
      path: 'payload.price',
      message: /1000000\.5 exceeds the maxPrice 1000000 configured for BTC-PERP/,
    },
    {
      name: 'a mark above maxPrice',
      given: [...account, listLimited({ maxPrice: '1000000' })],
      when: mark('BTC-PERP', '1000001', 1),
      code: 'invalid_amount',
      path: 'payload.markPrice',
      message: /exceeds the maxPrice 1000000/,
    },
    {
      name: 'a limit given by SetMarginParameters replaces the one listed',
      given: [...account, listLimited({ maxQuantity: '100' }), setParameters({ maxQuantity: '10' })],
      when: trade('T1', 'A1', 'BTC-PERP', 'long', '11', '60000'),
      code: 'invalid_amount',
      path: 'payload.quantity',
      message: /exceeds the maxQuantity 10 /,
    },
    {
      name: 'a limit not given by SetMarginParameters stays in force',
      given: [...account, listLimited({ maxQuantity: '100', maxPrice: '1000000' }), setParameters({ maxQuantity: '200' })],
      when: trade('T1', 'A1', 'BTC-PERP', 'long', '1', '2000000'),
      code: 'invalid_amount',
      path: 'payload.price',
      message: /exceeds the maxPrice 1000000 /,
    },
    {
      name: 'a limit with more than 8 decimals',
      given: [],
      when: listLimited({ maxQuantity: '1.000000001' }),
      code: 'invalid_amount',
      path: 'payload.maxQuantity',
      message: /at most 8 decimal places/,
    },
  ])('$name → $code at $path', ({ given: steps, when, code, path, message }) => {
    const state = given(steps);
    const before = marginStateDigest(state);
    const result = attempt(state, when);
    expect(result).toMatchObject({ rejection: { code, path } });
    if ('rejection' in result) expect(result.rejection.message).toMatch(message);
    expect(marginStateDigest(state)).toBe(before); // nothing half-applied
  });

  it('accepts a trade and a mark exactly at the limits', () => {
    const state = given([...account, listLimited({ maxQuantity: '100', maxPrice: '1000000' })]);
    expect(eventsOf(attempt(state, trade('T1', 'A1', 'BTC-PERP', 'long', '100', '1000000'))).map((e) => e.type)).toEqual(['TradeApplied']);
    expect(eventsOf(attempt(state, mark('BTC-PERP', '1000000', 1)))[0]!.type).toBe('MarkPriceApplied');
  });

  it('never refuses the closing side: liquidation fills are not trades', () => {
    const state = given([...account, listLimited({ maxQuantity: '100' }), trade('T1', 'A1', 'BTC-PERP', 'long', '100', '60000'), trade('T2', 'A1', 'BTC-PERP', 'long', '100', '60000')]);
    const fill = command('ApplyLiquidationFill', { liquidationId: 'liq:A1', accountId: 'A1', memberId: 'M1', instrumentId: 'BTC-PERP', side: 'long', quantity: '200', fillPrice: '60000', realizedPnl: '0', liquidationFee: '0' });
    expect(eventsOf(attempt(state, fill))[0]!.type).toBe('LiquidationFillApplied');
  });

  it('an instrument without limits lists and trades as it always did: no limit keys in its events', () => {
    const state = given(account);
    const listed = eventsOf(attempt(state, list('BTC-PERP', '0.1', '0.05')));
    expect(Object.keys(listed[0]!.payload).sort()).toEqual(['contractSize', 'initialMarginRate', 'instrumentId', 'maintenanceMarginRate', 'tiers']);
    const set = eventsOf(attempt(state, setParameters({})));
    expect(Object.keys(set[0]!.payload).sort()).toEqual(['initialMarginRate', 'instrumentId', 'maintenanceMarginRate', 'tiers']);
    expect(eventsOf(attempt(state, trade('T1', 'A1', 'BTC-PERP', 'long', '1000000', '99999999')))[0]!.type).toBe('TradeApplied');
  });

  it('the limits in force travel in the parameter events (canonical, schema-valid); replaying the events alone rebuilds them', () => {
    const state = marginDecider.initialState();
    const journal: MarginEvent[] = [];
    for (const c of account) journal.push(...eventsOf(attempt(state, c)));
    const listed = eventsOf(attempt(state, listLimited({ maxQuantity: '100.50', maxPrice: '1000000.00' })));
    expect(listed[0]!.payload).toMatchObject({ maxQuantity: '100.5', maxPrice: '1000000' });
    const set = eventsOf(attempt(state, setParameters({ maxPrice: '2000000' })));
    expect(set[0]!.payload).toMatchObject({ maxQuantity: '100.5', maxPrice: '2000000' });
    journal.push(...listed, ...set);
    for (const e of [...listed, ...set]) expect(MARGIN_EVENT_SCHEMAS[e.type as 'InstrumentListed'].safeParse(e.payload).success).toBe(true);
    const replayed = journal.reduce((s, e) => marginDecider.evolve(s, e), marginDecider.initialState());
    expect(marginStateDigest(replayed)).toBe(marginStateDigest(state));
    expect(attempt(replayed, trade('T1', 'A1', 'BTC-PERP', 'long', '101', '60000'))).toMatchObject({ rejection: { code: 'invalid_amount', path: 'payload.quantity' } });
  });
});
