/**
 * Figures published by others about the 2025-10-10 event. These are *inputs* quoted with their
 * source (the study's own numbers are all computed); the report prints them beside ours.
 */
export interface PublishedFigure {
  readonly source: string;
  readonly figure: string;
  readonly value: string;
}

export const HYPERLIQUID_EVENT_FACTS: readonly PublishedFigure[] = [
  {
    source: 'data README (ConejoCapital/HyperMultiAssetedADL @79bad0f)',
    figure: 'window',
    value: '21:15–21:27 UTC, 162 assets, 3,239,706 events replayed over 437,723 accounts',
  },
];

export const CHITRA_FIGURES: readonly PublishedFigure[] = [
  {
    source: 'Chitra, arXiv 2512.01112 v1 (30 Nov 2025), abstract',
    figure: 'production queue vs the paper’s optimal policy',
    value: 'ADL over-used ≈ 8×; ≈ $630M of unnecessary haircuts on winning traders',
  },
  {
    source: 'Chitra, post on X (9 Dec 2025), as reported by Protos and others',
    figure: 'PnL auto-deleveraged beyond need',
    value: '≈ $650M, ≈ 28× the bad debt',
  },
  {
    source: 'Chitra, arXiv 2512.01112 v3 (16 Feb 2026), abstract',
    figure: 'excess profit haircut of the production queue',
    value: '$45.0M – $51.7M, ≈ $653.6M of positions closed',
  },
  {
    source: 'Trujillo Ramirez, Thogiti, Chitra, Xu, arXiv 2602.15182 (16 Feb 2026), abstract',
    figure: 'regret vs a calibrated upper bound; overshoot',
    value: 'production ≈ 50% of the bound (over-liquidates up to $51.7M); optimized ≈ 2.6%; best variant overshoot ≈ $3M',
  },
  {
    source: 'Campbell, Hey, Moallemi, Nutz, arXiv 2603.15963 (16 Mar 2026)',
    figure: 'optimal policy (single asset, isolated margin)',
    value: 'minimize the maximum leverage: reduce the most levered first, equalize leverage downward (water-filling)',
  },
];
