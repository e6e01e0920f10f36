import { rejection, Rejection, WaterfallPreset, WaterfallTranche } from '@ccp/contracts';

/** SITG tranche ids used by the `ccp` preset: fund them with SetSkinInTheGame. */
export const CCP_FIRST_SKIN_IN_THE_GAME = 'sitg-1';
export const CCP_SECOND_SKIN_IN_THE_GAME = 'sitg-2';

/**
 * Assessment caps, as multiples of the member's contribution of record (funded + replenishment due)
 * at the time of the default. The model: `capMultiple` bounds one default, `totalCapMultiple` the
 * running total over all defaults of the current capped period, which ResetAssessmentPeriod closes
 * (the shell decides when, from the business-day calendar).
 * - CME Rule 802.G: 275% for one default, 550% in all for several defaults in the cooling-off period
 *   — maps exactly.
 * - Eurex Clearing: 2× per capped period (20 business days, +20 per further default, ≤ 3 months),
 *   3× in total — approximated as 2× per default and 3× running total in the period.
 */
export const CME_ASSESSMENT_CAPS = { capMultiple: '2.75', totalCapMultiple: '5.5' } as const;
export const EUREX_ASSESSMENT_CAPS = { capMultiple: '2', totalCapMultiple: '3' } as const;

/**
 * Presets (mechanics.md):
 * - `ccp` (CME Rule 802 shape, with the second SITG tranche many CCPs hold): defaulter's margin →
 *   defaulter's contribution → SITG tranche 1 → survivors' fund pro rata → SITG tranche 2 →
 *   assessments capped per CME Rule 802.G → recovery tools (CME's 2016 filing: gains haircutting,
 *   tear-up).
 * - `perpetual-exchange` (BitMEX, Binance, dYdX v4, Drift): margin → insurance fund → ADL or
 *   socialized loss.
 */
export const WATERFALL_PRESET_TRANCHES: Readonly<Record<WaterfallPreset, readonly WaterfallTranche[]>> = {
  ccp: [
    { kind: 'defaulter-margin' },
    { kind: 'defaulter-contribution' },
    { kind: 'skin-in-the-game', trancheId: CCP_FIRST_SKIN_IN_THE_GAME },
    { kind: 'mutualized-fund' },
    { kind: 'skin-in-the-game', trancheId: CCP_SECOND_SKIN_IN_THE_GAME },
    { kind: 'assessments', ...CME_ASSESSMENT_CAPS },
    { kind: 'recovery-tool' },
  ],
  'perpetual-exchange': [{ kind: 'defaulter-margin' }, { kind: 'insurance-fund' }, { kind: 'recovery-tool' }],
};

/**
 * Eurex Clearing's order, as an explicit tranche list for SetWaterfall: defaulter's margin and
 * contribution → Eurex dedicated amount (€143m) → survivors' default fund together with a second
 * Eurex tranche (€57m), pro rata → assessments (2× per capped period, 3× in total) → recovery.
 * (Eurex's further €300m pro rata with assessments is not modelled.)
 */
export const EUREX_FIRST_SKIN_IN_THE_GAME = 'eurex-dedicated-1';
export const EUREX_SECOND_SKIN_IN_THE_GAME = 'eurex-dedicated-2';
export const EUREX_WATERFALL_TRANCHES: readonly WaterfallTranche[] = [
  { kind: 'defaulter-margin' },
  { kind: 'defaulter-contribution' },
  { kind: 'skin-in-the-game', trancheId: EUREX_FIRST_SKIN_IN_THE_GAME },
  { kind: 'mutualized-fund-with-skin-in-the-game', trancheId: EUREX_SECOND_SKIN_IN_THE_GAME },
  { kind: 'assessments', ...EUREX_ASSESSMENT_CAPS },
  { kind: 'recovery-tool' },
];

/** SITG tranche ids a waterfall draws on, in order. */
export function skinInTheGameIds(tranches: readonly WaterfallTranche[]): string[] {
  const ids: string[] = [];
  for (const t of tranches) if (t.kind === 'skin-in-the-game' || t.kind === 'mutualized-fund-with-skin-in-the-game') ids.push(t.trancheId);
  return ids;
}

/** Which pool of money a tranche draws on: two tranches on one pool is a duplicate. */
function poolOf(t: WaterfallTranche): string {
  switch (t.kind) {
    case 'skin-in-the-game':
      return `skin-in-the-game:${t.trancheId}`;
    case 'mutualized-fund':
    case 'mutualized-fund-with-skin-in-the-game':
      return 'mutualized-fund';
    default:
      return t.kind;
  }
}

/**
 * Structure of an explicit tranche list (stateless): `defaulter-margin` only first (liquidation has
 * already applied it), `recovery-tool` exactly once and last (it takes everything left), no pool
 * twice (each SITG tranche, the survivors' fund, the insurance fund, assessments at most once).
 */
export function checkWaterfallTranches(tranches: readonly WaterfallTranche[], path: string): Rejection | null {
  const last = tranches.length - 1;
  for (const [i, t] of tranches.entries()) {
    if (t.kind === 'defaulter-margin' && i !== 0) return rejection('malformed', `${path}[${i}].kind`, 'defaulter-margin is applied by liquidation first; it can only be tranche 1');
    if (t.kind === 'recovery-tool' && i !== last) return rejection('malformed', `${path}[${i}].kind`, 'recovery-tool is terminal; it must be the last tranche');
  }
  if (tranches[last]?.kind !== 'recovery-tool') return rejection('malformed', `${path}[${last}].kind`, 'the waterfall must end with recovery-tool (the residual goes to loss allocation)');
  const pools = new Set<string>();
  const sitg = new Set<string>();
  for (const [i, t] of tranches.entries()) {
    const pool = poolOf(t);
    if (pools.has(pool)) return rejection('duplicate', `${path}[${i}]`, `${pool} appears twice in the waterfall`);
    pools.add(pool);
    if (t.kind === 'skin-in-the-game' || t.kind === 'mutualized-fund-with-skin-in-the-game') {
      if (sitg.has(t.trancheId)) return rejection('duplicate', `${path}[${i}].trancheId`, `skin-in-the-game tranche ${t.trancheId} appears twice in the waterfall`);
      sitg.add(t.trancheId);
    }
  }
  return null;
}
