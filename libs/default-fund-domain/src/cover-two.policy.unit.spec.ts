import fc from 'fast-check';
import { DEFAULT_FUND_EVENT_SCHEMAS } from '@ccp/contracts';
import { sizeCoverTwo } from './cover-two.policy';
import { cents } from './usd-cents.util';

const runs = Number(process.env['FC_RUNS'] ?? 1000);

describe('Cover 2 sizing (CPMI-IOSCO PFMI; Eurex: SLOM of the two largest clearing groups, shares by SLOM)', () => {
  it.each([
    {
      name: 'margin above the stress loss gives SLOM 0 and no share',
      stress: [
        { memberId: 'a', stressLoss: '100', margin: '40' }, // 60
        { memberId: 'b', stressLoss: '10', margin: '50' }, // 0
        { memberId: 'c', stressLoss: '50', margin: '10' }, // 40
        { memberId: 'd', stressLoss: '30', margin: '0' }, // 30
      ],
      requirement: '100', // 60 + 40
      largestTwo: ['a', 'c'],
      // in cents: 10000 × 60/130 = 4615.38…, × 40/130 = 3076.92…, × 30/130 = 2307.69…: floors sum to
      // 9998; the 2 cents left go to the largest remainders (c .92, d .69; a .38 gets none)
      required: { a: '46.15', b: '0', c: '30.77', d: '23.08' },
      warnings: [{ memberId: 'a', level: 'early-warning' }],
    },
    {
      name: 'a tie on SLOM: memberId ascending decides the largest two',
      stress: [
        { memberId: 'z', stressLoss: '10', margin: '0' },
        { memberId: 'y', stressLoss: '10', margin: '0' },
        { memberId: 'x', stressLoss: '10', margin: '0' },
      ],
      requirement: '20',
      largestTwo: ['x', 'y'],
      // 20 / 3 = 6.666…: 6.66 each, 2 cents to the first keys in order (equal remainders and weights)
      required: { x: '6.67', y: '6.67', z: '6.66' },
      warnings: [],
    },
    {
      name: 'one member alone carries the whole fund: supplementary margin above 90%',
      stress: [
        { memberId: 'solo', stressLoss: '1000', margin: '1' },
        { memberId: 'small', stressLoss: '1', margin: '1' },
      ],
      requirement: '999',
      largestTwo: ['solo'],
      required: { solo: '999', small: '0' },
      warnings: [{ memberId: 'solo', level: 'supplementary-margin' }],
    },
    {
      name: 'nobody is short of margin: the requirement is 0',
      stress: [{ memberId: 'a', stressLoss: '5', margin: '5' }],
      requirement: '0',
      largestTwo: [],
      required: { a: '0' },
      warnings: [],
    },
  ])('$name', ({ stress, requirement, largestTwo, required, warnings }) => {
    const sized = sizeCoverTwo({ scenarioId: 's', stressLosses: stress });
    expect(sized.cover2Requirement).toBe(requirement);
    expect(sized.largestTwo.map((l) => l.memberId)).toEqual(largestTwo);
    expect(Object.fromEntries(sized.memberShares.map((s) => [s.memberId, s.requiredContribution]))).toEqual(required);
    expect(sized.concentration.map(({ memberId, level }) => ({ memberId, level }))).toEqual(warnings);
    DEFAULT_FUND_EVENT_SCHEMAS.DefaultFundSized.parse(sized);
  });

  const stressArb = fc.uniqueArray(
    fc.record({
      memberId: fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/),
      stressLoss: fc.bigInt({ min: 0n, max: 10n ** 14n }),
      margin: fc.bigInt({ min: 0n, max: 10n ** 14n }),
    }),
    { minLength: 1, maxLength: 30, selector: (s) => s.memberId },
  );
  const usdOf = (c: bigint) => (c / 100n).toString() + (c % 100n === 0n ? '' : `.${(c % 100n).toString().padStart(2, '0')}`);

  it('shares sum exactly to the requirement, which is the two largest SLOMs, each share within a cent of pro rata', () => {
    fc.assert(
      fc.property(stressArb, (rows) => {
        const sized = sizeCoverTwo({ scenarioId: 's', stressLosses: rows.map((r) => ({ memberId: r.memberId, stressLoss: usdOf(r.stressLoss), margin: usdOf(r.margin) })) });
        const sloms = rows.map((r) => (r.stressLoss > r.margin ? r.stressLoss - r.margin : 0n));
        const sorted = [...sloms].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
        const requirement = (sorted[0] ?? 0n) + (sorted[1] ?? 0n);
        expect(cents(sized.cover2Requirement)).toBe(requirement);
        const total = sloms.reduce((a, b) => a + b, 0n);
        let sum = 0n;
        for (const [i, r] of rows.entries()) {
          const slom = sloms[i] ?? 0n;
          const share = sized.memberShares.find((s) => s.memberId === r.memberId);
          if (share === undefined) throw new Error(`no share for ${r.memberId}`);
          const got = cents(share.requiredContribution);
          sum += got;
          if (total === 0n) expect(got).toBe(0n);
          else {
            const floor = (requirement * slom) / total;
            expect(got === floor || got === floor + 1n).toBe(true);
          }
        }
        expect(sum).toBe(requirement);
      }),
      { numRuns: runs },
    );
  });
});
