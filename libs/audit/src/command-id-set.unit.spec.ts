import fc from 'fast-check';
import { guardCommand, newCommandGuard } from '@ccp/engine';
import { CommandIdSet, compactCommandGuard } from './command-id-set';

describe('CommandIdSet: the command ids of a journal, compactly, as a Set<string>', () => {
  const id = fc.oneof(
    fc.nat({ max: 3000 }).map((n) => `scenario/${n}`),
    fc.nat().map((n) => `other-${n}`),
    fc.constantFrom('0', '00', '007', 'x0', 'x00', 'a1234567890123', '', 'no-digits', '/', `p/${2 ** 31}`),
    fc.string({ maxLength: 6 }),
  );

  it('has, add, size and iteration as a Set of the same ids', () => {
    fc.assert(
      fc.property(fc.array(id, { maxLength: 300 }), fc.array(id, { maxLength: 50 }), (added, probed) => {
        const compact = new CommandIdSet();
        const plain = new Set<string>();
        for (const x of added) {
          expect(compact.has(x)).toBe(plain.has(x));
          compact.add(x);
          plain.add(x);
        }
        for (const x of [...added, ...probed]) expect(compact.has(x)).toBe(plain.has(x));
        expect(compact.size).toBe(plain.size);
        expect(new Set(compact)).toEqual(plain);
      }),
      { numRuns: 300 },
    );
  });

  it('the engine guard over it decides as over a plain Set (duplicates, time going backwards)', () => {
    const steps = fc.array(fc.tuple(id, fc.constantFrom('2025-01-01T00:00:00Z', '2025-01-01T00:00:01Z', '2025-01-01T00:00:00.5Z')), { maxLength: 100 });
    fc.assert(
      fc.property(steps, (commands) => {
        const compact = compactCommandGuard();
        const plain = newCommandGuard();
        for (const [commandId, at] of commands) expect(guardCommand(compact, commandId, at)).toEqual(guardCommand(plain, commandId, at));
      }),
    );
  });

  it('never forgets an id', () => {
    const s = new CommandIdSet().add('a/1');
    expect(() => s.delete('a/1')).toThrow(/never forgotten/);
    expect(() => s.clear()).toThrow(/never forgotten/);
  });
});
