import { z } from 'zod';
import { canonicalJson, DEFAULT_FUND_COMMAND_SCHEMAS, DEFAULT_FUND_EVENT_SCHEMAS, LiquidationFilledPayload, RejectionCode } from '@ccp/contracts';
import { defaultFundDecider } from './default-fund.decider';
import { parseDefaultFundCommand } from './default-fund.command';
import { defaultFundWireInputs } from './default-fund.wire';
import { accepted, apply, command, defaultOf, defined, given, lastEvent } from './default-fund.spec-helpers';

const meta = { occurredAt: '2025-10-10T21:15:00Z', correlationId: 'scenario-1' };

describe('parseDefaultFundCommand', () => {
  it('returns the typed command for a valid input', () => {
    const result = parseDefaultFundCommand({ type: 'RecordContribution', payload: { memberId: 'm1', amount: '10.5' }, meta });
    expect(result).toEqual({ ok: true, value: { type: 'RecordContribution', payload: { memberId: 'm1', amount: '10.5' }, meta } });
  });

  it.each<{ name: string; raw: unknown; code: RejectionCode; path: string }>([
    { name: 'not an object', raw: 'RecordContribution', code: 'malformed', path: '' },
    { name: 'no meta', raw: { type: 'RecordContribution', payload: { memberId: 'm1', amount: '1' } }, code: 'malformed', path: 'meta' },
    { name: 'local time in meta', raw: { type: 'DepositInsuranceFund', payload: { amount: '1' }, meta: { ...meta, occurredAt: '2025-10-10 21:15' } }, code: 'malformed', path: 'meta.occurredAt' },
    { name: 'unknown command type', raw: { type: 'PayDividend', payload: {}, meta }, code: 'unknown_type', path: 'type' },
    { name: 'amount as a number', raw: { type: 'DepositInsuranceFund', payload: { amount: 10 }, meta }, code: 'malformed', path: 'payload.amount' },
    { name: 'sub-cent amount', raw: { type: 'DepositInsuranceFund', payload: { amount: '0.001' }, meta }, code: 'invalid_amount', path: 'payload.amount' },
    { name: 'waterfall structure', raw: { type: 'SetWaterfall', payload: { tranches: [{ kind: 'insurance-fund' }] }, meta }, code: 'malformed', path: 'payload.tranches[0].kind' },
    {
      name: 'duplicate member in a stress scenario',
      raw: {
        type: 'SizeDefaultFund',
        payload: {
          scenarioId: 's',
          stressLosses: [
            { memberId: 'a', stressLoss: '1', margin: '0' },
            { memberId: 'a', stressLoss: '1', margin: '0' },
          ],
        },
        meta,
      },
      code: 'duplicate',
      path: 'payload.stressLosses[1].memberId',
    },
  ])('$name → $code at "$path"', ({ raw, code, path }) => {
    const result = parseDefaultFundCommand(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.rejection).toMatchObject({ code, path });
  });
});

describe('defaultFundWireInputs', () => {
  const fromFill = defined(defaultFundWireInputs.LiquidationFilled, 'a LiquidationFilled route');
  const fromDefault = defined(defaultFundWireInputs.AccountDefaulted, 'an AccountDefaulted route');
  const fill = (liquidationFee: string): LiquidationFilledPayload => ({
    liquidationId: 'liq-1',
    accountId: 'a1',
    memberId: 'm1',
    instrumentId: 'BTC-PERP',
    side: 'long',
    quantity: '1',
    fillPrice: '60000',
    realizedPnl: '-500',
    liquidationFee,
  });

  it.each(['0', '0.00'])('LiquidationFilled with fee %s becomes nothing', (fee) => {
    expect(fromFill(fill(fee), meta)).toEqual([]);
  });

  it('LiquidationFilled with a fee becomes CreditLiquidationFee, which feeds the insurance fund', () => {
    const commands = fromFill(fill('30.5'), meta);
    expect(commands).toEqual([{ type: 'CreditLiquidationFee', payload: { liquidationId: 'liq-1', accountId: 'a1', memberId: 'm1', amount: '30.5' }, meta }]);
    const state = given([]);
    accepted(apply(state, defined(commands[0])));
    expect(state.insuranceFund.balance).toBe(3050n);
  });

  it('AccountDefaulted becomes RunWaterfall correlated by the default id', () => {
    const payload = defaultOf('default:a1:42', 'm1', '75');
    const commands = fromDefault(payload, meta);
    expect(commands).toEqual([{ type: 'RunWaterfall', payload, meta: { occurredAt: meta.occurredAt, correlationId: 'default:a1:42' } }]);
    const state = given([command('SetWaterfall', { preset: 'perpetual-exchange' })]);
    expect(lastEvent(accepted(defaultFundDecider.decide(defined(commands[0]), state))).type).toBe('ResidualLossForwarded');
  });

  it('translated commands pass the boundary parser unchanged', () => {
    for (const c of [...fromFill(fill('1'), meta), ...fromDefault(defaultOf('d', 'm', '1'), meta)]) {
      const parsed = parseDefaultFundCommand(c);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) expect(canonicalJson(parsed.value)).toBe(canonicalJson(c));
    }
  });
});

describe('default-fund schemas', () => {
  it.each([...Object.entries(DEFAULT_FUND_COMMAND_SCHEMAS), ...Object.entries(DEFAULT_FUND_EVENT_SCHEMAS)])('%s has a JSON Schema for the catalogue', (_name, schema) => {
    const json = z.toJSONSchema(schema, { unrepresentable: 'any' }) as { type?: string; anyOf?: unknown };
    expect(json.type === 'object' || json.anyOf !== undefined).toBe(true);
  });
});
