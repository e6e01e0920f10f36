import { allocateLargestRemainder, CappedAllocation, CappedShare } from '@ccp/money';
import { compareIds } from './fixed-point';

/**
 * Pro-rata split with caps (water-filling) in O(n log n): the same result, to the minor unit, as
 * `allocateProRataCapped` of `@ccp/money`, whose re-split loop can take n rounds (O(n²)) when
 * caps bind one by one — too slow for a 100k-participant basis.
 *
 * Why it is the same: the iterative split caps everyone whose exact share reaches its cap, and the
 * level remaining ÷ open weight only rises as it does, so the participants it finally caps are
 * exactly those whose cap ÷ weight is at most the final level. Sorting by cap ÷ weight (exact
 * cross-multiplication, ties by key) and capping from the front while the participant's exact share
 * reaches its cap finds the same set; the rest is split by `allocateLargestRemainder` with the
 * money lib's tie-break (larger remainder, larger weight, key ascending). A unit test checks the two
 * agree on random inputs.
 */
export function allocateProRataCappedSorted(total: bigint, shares: readonly CappedShare[]): CappedAllocation {
  if (total < 0n) throw new RangeError('total must be non-negative');
  const allocated = new Map<string, bigint>();
  const open: CappedShare[] = [];
  for (const s of shares) {
    if (s.cap < 0n) throw new RangeError(`negative cap for ${s.key}`);
    if (s.weight < 0n) throw new RangeError(`negative weight for ${s.key}`);
    if (allocated.has(s.key)) throw new RangeError(`duplicate key ${s.key}`);
    allocated.set(s.key, 0n);
    if (s.cap > 0n && s.weight > 0n) open.push(s);
  }
  let weight = 0n;
  let capSum = 0n;
  let binding = false;
  for (const s of open) {
    weight += s.weight;
    capSum += s.cap;
  }
  // Fast paths, equivalent to the loop below: everyone reaches its cap (total ≥ Σ caps: each
  // round caps at least the lowest cap ÷ weight), or nobody does in the first round (the split is final).
  if (total >= capSum) {
    for (const s of open) allocated.set(s.key, s.cap);
    return { allocated, unallocated: total - capSum };
  }
  for (const s of open) {
    if (total * s.weight >= s.cap * weight) {
      binding = true;
      break;
    }
  }
  if (!binding) {
    if (total > 0n) for (const [key, amount] of allocateLargestRemainder(total, open)) allocated.set(key, amount);
    return { allocated, unallocated: 0n };
  }
  // Sort by cap ÷ weight: a precomputed floor(cap·2^64 ÷ weight) orders all but near-equal ratios
  // with one bigint comparison; equal keys fall back to exact cross-multiplication, then the key.
  const keyed = open.map((s) => ({ s, ratio: (s.cap << 64n) / s.weight }));
  keyed.sort((a, b) => {
    if (a.ratio !== b.ratio) return a.ratio < b.ratio ? -1 : 1;
    const left = a.s.cap * b.s.weight;
    const right = b.s.cap * a.s.weight;
    return left < right ? -1 : left > right ? 1 : compareIds(a.s.key, b.s.key);
  });
  open.length = 0;
  for (const k of keyed) open.push(k.s);
  let remaining = total;
  let i = 0;
  // Cap from the front while the participant's exact share (remaining × w ÷ W) reaches its cap.
  for (; i < open.length && remaining > 0n; i++) {
    const s = open[i];
    if (s === undefined || remaining * s.weight < s.cap * weight) break;
    allocated.set(s.key, s.cap);
    remaining -= s.cap;
    weight -= s.weight;
  }
  if (remaining > 0n && i < open.length) {
    const split = allocateLargestRemainder(remaining, open.slice(i));
    for (const [key, amount] of split) allocated.set(key, amount);
    remaining = 0n;
  }
  return { allocated, unallocated: remaining };
}
