import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { EventEnvelope, PRODUCERS } from '@ccp/contracts';
import { DECIDERS } from './deciders';
import { decodeFoldPoint, encodeFoldPoint, foldPointDigest, JournalFold, plainStatePicture } from './fold-snapshot';
import { simulate } from './simulate';

const scenarioDir = join(__dirname, '../../../docs/scenarios');
const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(scenarioDir, `${name}.json`), 'utf8'));

// one run per scenario, shared by the properties below
const JOURNALS = Object.fromEntries(
  ['ccp-member-default', 'perpetual-adl-cascade'].map((name) => [name, simulate(load(name), DECIDERS).journals!]),
) as Record<string, NonNullable<ReturnType<typeof simulate>['journals']>>;

const foldAll = (producer: (typeof PRODUCERS)[number], records: readonly EventEnvelope[], from?: ReturnType<JournalFold['point']>) => {
  const fold = new JournalFold(DECIDERS[producer], from);
  for (const record of records) fold.apply(record);
  return fold;
};

describe('fold snapshots (docs/adr/0012-snapshots.md)', () => {
  it.each(Object.keys(JOURNALS).flatMap((name) => PRODUCERS.map((p) => [name, p] as const)))(
    '%s / %s: a snapshot taken anywhere, decoded and folded on, ends in the state of the full fold',
    (name, producer) => {
      const records = JOURNALS[name]![producer].records;
      const full = foldAll(producer, records);
      const fullDigest = foldPointDigest(DECIDERS[producer], full.point());
      fc.assert(
        fc.property(fc.integer({ min: 0, max: records.length }), (cut) => {
          const head = foldAll(producer, records.slice(0, cut));
          const bytes = encodeFoldPoint(head.point());
          const decoded = decodeFoldPoint(DECIDERS[producer], bytes);
          // the snapshot pictures the same state as the fold it was taken from
          expect(foldPointDigest(DECIDERS[producer], decoded)).toBe(foldPointDigest(DECIDERS[producer], head.point()));
          // and the decoded state works: folding the rest on it reaches the full fold's state
          const resumed = foldAll(producer, records.slice(cut), decoded);
          expect(foldPointDigest(DECIDERS[producer], resumed.point())).toBe(fullDigest);
        }),
        { numRuns: 12 },
      );
    },
  );

  it('the digest changes with any change to the state, the guard or the positions', () => {
    const records = JOURNALS['ccp-member-default']!.margin.records;
    const point = foldAll('margin', records).point();
    const digest = foldPointDigest(DECIDERS.margin, point);
    const tampered = decodeFoldPoint(DECIDERS.margin, encodeFoldPoint(point));
    const account = [...(tampered.state as { accounts: Map<string, { cash: bigint }> }).accounts.values()][0]!;
    account.cash += 1n;
    expect(foldPointDigest(DECIDERS.margin, tampered)).not.toBe(digest);

    const guard = decodeFoldPoint(DECIDERS.margin, encodeFoldPoint(point));
    guard.guard.commandIds.add('forged');
    expect(foldPointDigest(DECIDERS.margin, guard)).not.toBe(digest);

    const positions = decodeFoldPoint(DECIDERS.margin, encodeFoldPoint(point));
    (positions.lastApplied as Map<string, bigint>).set('ccp.input.trades.v1', 99n);
    expect(foldPointDigest(DECIDERS.margin, positions)).not.toBe(digest);
  });

  it('refuses bytes that are not a fold point', () => {
    expect(() => decodeFoldPoint(DECIDERS.margin, Buffer.from('not a snapshot'))).toThrow();
    expect(() => decodeFoldPoint(DECIDERS.margin, encodeFoldPoint({ state: {}, guard: { commandIds: new Set(), clock: '' }, lastApplied: new Map() }))).toThrow(/not a margin state/);
  });

  it('plain pictures do not depend on insertion order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.string(), fc.bigInt()), { selector: (e) => e[0] }), (entries) => {
        const forward = new Map(entries);
        const backward = new Map([...entries].reverse());
        expect(plainStatePicture({ m: forward, s: new Set(entries.map((e) => e[0])) })).toEqual(plainStatePicture({ m: backward, s: new Set([...entries].reverse().map((e) => e[0])) }));
      }),
    );
  });
});
