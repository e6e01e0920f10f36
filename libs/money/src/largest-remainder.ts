/**
 * Splitting a total across participants so the parts sum to the total exactly, to the minor unit.
 *
 * Method: largest remainder (Hamilton). Each participant first gets the floor of its exact pro-rata
 * share; the minor units still owed go one each to the largest fractional remainders.
 * Tie-break, deterministic and documented: larger remainder, then larger weight, then key in
 * ascending code-unit order. No participant ever gets more than the ceiling of its exact share.
 */
export interface WeightedShare {
  readonly key: string;
  /** non-negative integer weight (usually an amount in minor units) */
  readonly weight: bigint;
}

export interface CappedShare extends WeightedShare {
  /** the most this participant may be allocated, in minor units (e.g. its profit) */
  readonly cap: bigint;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Splits `total` (minor units, ≥ 0) pro rata to `weight`. The result sums exactly to `total`. */
export function allocateLargestRemainder(total: bigint, shares: readonly WeightedShare[]): Map<string, bigint> {
  if (total < 0n) throw new RangeError('total must be non-negative');
  const result = new Map<string, bigint>();
  let weightSum = 0n;
  for (const s of shares) {
    if (s.weight < 0n) throw new RangeError(`negative weight for ${s.key}`);
    if (result.has(s.key)) throw new RangeError(`duplicate key ${s.key}`);
    result.set(s.key, 0n);
    weightSum += s.weight;
  }
  if (total === 0n) return result;
  if (weightSum === 0n) throw new RangeError('cannot split a positive total over zero weight');

  const remainders: { key: string; weight: bigint; remainder: bigint }[] = [];
  let assigned = 0n;
  for (const s of shares) {
    const numerator = total * s.weight;
    const floor = numerator / weightSum;
    result.set(s.key, floor);
    assigned += floor;
    const remainder = numerator % weightSum;
    if (remainder > 0n) remainders.push({ key: s.key, weight: s.weight, remainder });
  }
  let left = total - assigned; // < number of shares with a remainder
  remainders.sort((a, b) =>
    a.remainder !== b.remainder ? (a.remainder > b.remainder ? -1 : 1) : a.weight !== b.weight ? (a.weight > b.weight ? -1 : 1) : compareKeys(a.key, b.key),
  );
  for (const r of remainders) {
    if (left === 0n) break;
    result.set(r.key, (result.get(r.key) ?? 0n) + 1n);
    left -= 1n;
  }
  if (left !== 0n) throw new Error('largest remainder left minor units unassigned'); // programmer error
  return result;
}

export interface CappedAllocation {
  readonly allocated: Map<string, bigint>;
  /** the part of the total no participant could take because every cap was reached */
  readonly unallocated: bigint;
}

/**
 * Pro-rata split where nobody takes more than its cap (water-filling): participants whose share
 * would pass their cap are fixed at the cap and the rest is re-split among the others.
 * Sum of allocated + unallocated equals `total` exactly.
 */
export function allocateProRataCapped(total: bigint, shares: readonly CappedShare[]): CappedAllocation {
  if (total < 0n) throw new RangeError('total must be non-negative');
  const allocated = new Map<string, bigint>();
  for (const s of shares) {
    if (s.cap < 0n) throw new RangeError(`negative cap for ${s.key}`);
    allocated.set(s.key, 0n);
  }
  let open = shares.filter((s) => s.cap > 0n && s.weight > 0n);
  let remaining = total;
  while (remaining > 0n && open.length > 0) {
    const weightSum = open.reduce((acc, s) => acc + s.weight, 0n);
    // Anyone whose exact share reaches its cap is capped now; if nobody is, the split is final.
    const capped = open.filter((s) => remaining * s.weight >= s.cap * weightSum);
    if (capped.length === 0) {
      const split = allocateLargestRemainder(remaining, open);
      for (const [key, amount] of split) allocated.set(key, (allocated.get(key) ?? 0n) + amount);
      remaining = 0n;
      break;
    }
    for (const s of capped) {
      allocated.set(s.key, (allocated.get(s.key) ?? 0n) + s.cap);
      remaining -= s.cap;
    }
    const cappedKeys = new Set(capped.map((s) => s.key));
    open = open.filter((s) => !cappedKeys.has(s.key));
  }
  return { allocated, unallocated: remaining };
}
