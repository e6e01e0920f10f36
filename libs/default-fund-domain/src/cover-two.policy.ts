import { DefaultFundSizedPayload, invariant, SizeDefaultFundPayload } from '@ccp/contracts';
import { allocateLargestRemainder, bigintMax, bigintSum } from '@ccp/money';
import { cents, ratio, usd } from './usd-cents.util';

/**
 * Default-fund sizing by "Cover 2" (CPMI-IOSCO PFMI Principle 4): the fund must survive the default
 * of the two members (clearing groups) with the largest exposure in extreme but plausible
 * conditions. Exposure is the stress loss over margin, SLOM = max(0, stressLoss − margin) (Eurex).
 * - cover2Requirement = Σ of the two largest SLOMs (ties: memberId ascending);
 * - each member's required contribution is pro rata to its SLOM, largest remainder in cents, so the
 *   contributions sum to the requirement exactly;
 * - concentration (Eurex): a member whose share of the fund is ≥ 40% is flagged `early-warning`,
 *   above 90% `supplementary-margin`.
 * One command is one stress scenario; Eurex's 60-business-day average is for the shell to compute.
 */
export const CONCENTRATION_EARLY_WARNING = { numerator: 40n, denominator: 100n } as const;
export const CONCENTRATION_SUPPLEMENTARY_MARGIN = { numerator: 90n, denominator: 100n } as const;

export function sizeCoverTwo(payload: SizeDefaultFundPayload): DefaultFundSizedPayload {
  const rows = payload.stressLosses
    .map((s) => ({ memberId: s.memberId, slom: bigintMax(0n, cents(s.stressLoss) - cents(s.margin)) }))
    .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const ranked = [...rows].filter((r) => r.slom > 0n).sort((a, b) => (a.slom !== b.slom ? (a.slom > b.slom ? -1 : 1) : a.memberId < b.memberId ? -1 : 1));
  const largestTwo = ranked.slice(0, 2);
  const requirement = bigintSum(largestTwo.map((r) => r.slom));
  const totalSlom = bigintSum(rows.map((r) => r.slom));
  const split = allocateLargestRemainder(
    requirement,
    rows.map((r) => ({ key: r.memberId, weight: r.slom })),
  );
  invariant(bigintSum(split.values()) === requirement, 'Cover 2 shares sum to the requirement');
  const concentration: DefaultFundSizedPayload['concentration'] = [];
  for (const r of rows) {
    // share = slom / totalSlom compared exactly in integers, never through a rounded ratio
    if (totalSlom === 0n) break;
    const over = (t: { numerator: bigint; denominator: bigint }, strict: boolean): boolean =>
      strict ? r.slom * t.denominator > t.numerator * totalSlom : r.slom * t.denominator >= t.numerator * totalSlom;
    if (over(CONCENTRATION_SUPPLEMENTARY_MARGIN, true)) concentration.push({ memberId: r.memberId, share: ratio(r.slom, totalSlom), level: 'supplementary-margin' });
    else if (over(CONCENTRATION_EARLY_WARNING, false)) concentration.push({ memberId: r.memberId, share: ratio(r.slom, totalSlom), level: 'early-warning' });
  }
  return {
    scenarioId: payload.scenarioId,
    cover2Requirement: usd(requirement),
    largestTwo: largestTwo.map((r) => ({ memberId: r.memberId, stressLossOverMargin: usd(r.slom) })),
    memberShares: rows.map((r) => ({
      memberId: r.memberId,
      stressLossOverMargin: usd(r.slom),
      share: ratio(r.slom, totalSlom),
      requiredContribution: usd(split.get(r.memberId) ?? 0n),
    })),
    concentration,
  };
}
