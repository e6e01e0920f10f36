import fc from 'fast-check';
import { EventEnvelope, PRODUCERS, Producer } from '@ccp/contracts';
import { instantKey, commandIdOfInput } from './command-guard';
import { DECIDERS } from './deciders';
import { EmbeddedEngine } from './engine';
import { MemoryJournalSink } from './journal';
import { loadScenario } from './scenario';

const sinks = (): Record<Producer, MemoryJournalSink> => Object.fromEntries(PRODUCERS.map((p) => [p, new MemoryJournalSink()])) as Record<Producer, MemoryJournalSink>;

const steps = (raw: unknown[]) => [...loadScenario({ name: 'guard', description: 'command guard', steps: raw }, DECIDERS)];

const register = (memberId: string, at: string, commandId?: string) => ({ at, to: 'margin', type: 'RegisterMember', payload: { memberId }, ...(commandId ? { commandId } : {}) });
const deposit = (at: string, commandId: string, amount = '1000') => ({ at, to: 'margin', type: 'DepositCollateral', payload: { accountId: 'acct-1', amount }, commandId });
const open = (at: string) => ({ at, to: 'margin', type: 'OpenAccount', payload: { accountId: 'acct-1', memberId: 'm-1' } });

function run(raw: unknown[]): { records: EventEnvelope[]; rejections: (string | null)[]; engine: EmbeddedEngine } {
  const journals = sinks();
  const engine = new EmbeddedEngine(DECIDERS, journals);
  const rejections = steps(raw).map((s) => engine.submit({ target: s.target, command: s.command, causationId: null, source: null, commandId: s.commandId })?.code ?? null);
  return { records: journals.margin.records, rejections, engine };
}


describe('idempotent commands and the journal clock (embedded engine)', () => {
  it('a redelivered deposit is recorded as a duplicate and moves no money', () => {
    const once = run([register('m-1', '2025-10-10T20:00:00Z'), open('2025-10-10T20:00:00Z'), deposit('2025-10-10T20:01:00Z', 'treasury/dep-1')]);
    const twice = run([register('m-1', '2025-10-10T20:00:00Z'), open('2025-10-10T20:00:00Z'), deposit('2025-10-10T20:01:00Z', 'treasury/dep-1'), deposit('2025-10-10T20:01:00Z', 'treasury/dep-1')]);
    expect(twice.rejections).toEqual([null, null, null, 'duplicate']);
    // the first three commands wrote the same records; the repeat added only its input and the rejection
    expect(twice.records.slice(0, once.records.length)).toEqual(once.records);
    expect(twice.records.slice(once.records.length).map((r) => r.type)).toEqual(['DepositCollateral', 'CommandRejected']);
    const last = twice.records.at(-1)!;
    expect(last).toMatchObject({ type: 'CommandRejected', payload: { code: 'duplicate', path: 'commandId' } });
    expect(commandIdOfInput(twice.records.at(-2)!.causationId)).toBe('treasury/dep-1');
  });

  it('every scenario step gets a deterministic command id when it has none', () => {
    const loaded = steps([register('m-1', '2025-10-10T20:00:00Z'), register('m-2', '2025-10-10T20:00:00Z', 'venue/reg-2')]);
    expect(loaded.map((s) => s.commandId)).toEqual(['guard/0', 'venue/reg-2']);
  });

  it('an input older than the journal clock is rejected with a reason; equal times are fine', () => {
    const { rejections, records } = run([register('m-1', '2025-10-10T20:00:00.5Z'), register('m-2', '2025-10-10T20:00:00.5Z'), register('m-3', '1970-01-01T00:00:00Z'), register('m-4', '2025-10-10T20:00:00Z')]);
    expect(rejections).toEqual([null, null, 'time_regressed', 'time_regressed']);
    expect((records.at(-1)!.payload as { message: string }).message).toMatch(/older than this journal's clock/);
  });

  it('instantKey sorts like the instants it names', () => {
    const instant = fc
      .tuple(fc.integer({ min: 0, max: 4_102_444_799_999 }), fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 0, max: 9 }))
      .map(([ms, subMicro, digits]) => {
        const iso = new Date(ms).toISOString().slice(0, 19);
        const fraction = `${String(ms % 1000).padStart(3, '0')}${String(subMicro).padStart(6, '0')}`.slice(0, digits).replace(/0+$/, '');
        return { iso: `${iso}${fraction ? `.${fraction}` : ''}Z`, value: BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + BigInt((fraction || '0').padEnd(9, '0')) };
      });
    fc.assert(
      fc.property(instant, instant, (a, b) => {
        expect(instantKey(a.iso) < instantKey(b.iso)).toBe(a.value < b.value);
        expect(instantKey(a.iso) === instantKey(b.iso)).toBe(a.value === b.value);
      }),
    );
  });
});
