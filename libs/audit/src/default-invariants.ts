import { InvalidAmountError, toMinorExact } from '@ccp/money';

/** Where a fact was read: enough to pinpoint a finding. */
export interface FactLocation {
  readonly journal: string;
  readonly position: number;
  readonly recordId: string;
}

/** The small facts about one default, gathered while streaming the journals (no full records kept). */
export interface DefaultFacts {
  readonly defaultId: string;
  defaulted: (FactLocation & { deficit: string; marginApplied: string }) | null;
  tranches: (FactLocation & { order: number; kind: string; effect: string; capacity: string; amount: string })[];
  terminal: (FactLocation & { type: 'DefaultCovered' | 'ResidualLossForwarded'; deficit: string; covered: string; residual: string }) | null;
  allocation: (FactLocation & { residual: string; amounts: string[]; unallocated: string; overshoot: string }) | null;
  /** margin's LossAllocationApplied: what was actually charged to the accounts */
  applied?: (FactLocation & { totalCharged: string; lines: number }) | null;
}

export const emptyDefaultFacts = (defaultId: string): DefaultFacts => ({ defaultId, defaulted: null, tranches: [], terminal: null, allocation: null });

export interface InvariantResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** the record the violation is pinned to (null when ok, or when the missing record has no location) */
  readonly at: (FactLocation & { field: string }) | null;
}

const USD_SCALE = 2;

/** Whole cents of a USD amount; a fraction of a cent is itself a violation. */
function cents(amount: string, what: string): bigint {
  try {
    return toMinorExact(amount, USD_SCALE);
  } catch (e) {
    if (e instanceof InvalidAmountError) throw new CentError(`${what} ${amount} is not a whole number of cents`);
    throw e;
  }
}

class CentError extends Error {}

const fmt = (minor: bigint): string => {
  const neg = minor < 0n;
  const abs = neg ? -minor : minor;
  const s = `${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
  return neg ? `-${s}` : s;
};

const pass = (name: string, detail: string): InvariantResult => ({ name, ok: true, detail, at: null });
const fail = (name: string, detail: string, at: InvariantResult['at']): InvariantResult => ({ name, ok: false, detail, at });

/**
 * The cross-journal invariants of one default (design.md §5), over its facts. `journalsIntact` says
 * which journals were read without a finding: a check that needs a broken journal is skipped (its
 * facts are incomplete, and the break is already reported).
 */
export function checkDefault(f: DefaultFacts, journalsIntact: (journal: string) => boolean): InvariantResult[] {
  const out: InvariantResult[] = [];
  const d = f.defaulted;
  if (!d) return out; // waterfall facts without a default: reported by the caller if needed
  if (!journalsIntact('default-fund')) return out;

  // 1. the waterfall exists and ends in DefaultCovered or ResidualLossForwarded
  const term = f.terminal;
  if (f.tranches.length === 0 || !term) {
    out.push(
      fail('waterfall-complete', `AccountDefaulted ${f.defaultId} has ${f.tranches.length} tranche(s) and ${term ? term.type : 'no terminal event'} in default-fund`, {
        ...d,
        field: 'payload.defaultId',
      }),
    );
    return out;
  }
  out.push(pass('waterfall-complete', `${f.tranches.length} tranches, ended by ${term.type}`));

  try {
    const deficit = cents(d.deficit, 'deficit');
    // 2. tranche order strictly increasing; a tranche gives > 0 only once every earlier covered tranche is exhausted
    let orderOk = true;
    let prevOrder = 0;
    let earlierNotExhausted: (typeof f.tranches)[number] | null = null;
    let covered = 0n;
    let forwarded = 0n;
    for (const t of f.tranches) {
      const amount = cents(t.amount, `tranche ${t.order} amount`);
      const capacity = cents(t.capacity, `tranche ${t.order} capacity`);
      if (t.order <= prevOrder) {
        out.push(fail('tranche-order', `tranche order ${t.order} after ${prevOrder}: not strictly increasing`, { ...t, field: 'payload.order' }));
        orderOk = false;
        break;
      }
      if (amount > capacity) {
        out.push(fail('tranche-order', `tranche ${t.order} gives ${t.amount} beyond its capacity ${t.capacity}`, { ...t, field: 'payload.amount' }));
        orderOk = false;
        break;
      }
      if (amount > 0n && earlierNotExhausted) {
        out.push(
          fail('tranche-order', `tranche ${t.order} gives ${t.amount} while earlier tranche ${earlierNotExhausted.order} is not exhausted`, { ...t, field: 'payload.amount' }),
        );
        orderOk = false;
        break;
      }
      prevOrder = t.order;
      if (t.effect === 'covered') {
        covered += amount;
        if (amount !== capacity && !earlierNotExhausted) earlierNotExhausted = t;
      } else if (t.effect === 'forwarded') forwarded += amount;
      else if (t.effect !== 'recorded') {
        out.push(fail('tranche-order', `tranche ${t.order} has unknown effect ${t.effect}`, { ...t, field: 'payload.effect' }));
        orderOk = false;
        break;
      }
    }
    if (orderOk) out.push(pass('tranche-order', `orders ${f.tranches.map((t) => t.order).join(',')} strictly increasing; each tranche reached only after the earlier ones were exhausted`));

    // 3. conservation to the cent: Σ covered + residual = deficit
    const residual = cents(term.residual, 'residual');
    const termCovered = cents(term.covered, 'covered');
    if (cents(term.deficit, 'terminal deficit') !== deficit) {
      out.push(fail('waterfall-conservation', `${term.type} deficit ${term.deficit} ≠ AccountDefaulted deficit ${d.deficit}`, { ...term, field: 'payload.deficit' }));
    } else if (covered + residual !== deficit) {
      out.push(fail('waterfall-conservation', `Σ covered ${fmt(covered)} + residual ${fmt(residual)} ≠ deficit ${fmt(deficit)}`, { ...term, field: 'payload.residual' }));
    } else if (forwarded !== residual || termCovered !== covered) {
      out.push(
        fail('waterfall-conservation', `forwarded tranches ${fmt(forwarded)} / covered ${fmt(covered)} disagree with ${term.type} residual ${term.residual} / covered ${term.covered}`, {
          ...term,
          field: 'payload.covered',
        }),
      );
    } else out.push(pass('waterfall-conservation', `Σ covered ${fmt(covered)} + residual ${fmt(residual)} = deficit ${fmt(deficit)}`));

    // 4. the residual is allocated: Σ allocations + unallocated − overshoot = residual
    if (residual > 0n && journalsIntact('loss-allocation')) {
      const a = f.allocation;
      if (!a) out.push(fail('allocation-conservation', `ResidualLossForwarded ${f.defaultId} has no LossAllocated in loss-allocation`, { ...term, field: 'payload.residual' }));
      else {
        const sum = a.amounts.reduce((acc, x, i) => acc + cents(x, `allocation ${i} amount`), 0n);
        const unallocated = cents(a.unallocated, 'unallocated');
        const overshoot = cents(a.overshoot, 'fairness.overshoot');
        if (cents(a.residual, 'LossAllocated residual') !== residual) {
          out.push(fail('allocation-conservation', `LossAllocated residual ${a.residual} ≠ forwarded residual ${term.residual}`, { ...a, field: 'payload.residual' }));
        } else if (sum + unallocated - overshoot !== residual) {
          out.push(
            fail('allocation-conservation', `Σ allocations ${fmt(sum)} + unallocated ${fmt(unallocated)} − overshoot ${fmt(overshoot)} ≠ residual ${fmt(residual)}`, {
              ...a,
              field: 'payload.allocations',
            }),
          );
        } else out.push(pass('allocation-conservation', `Σ allocations ${fmt(sum)} + unallocated ${fmt(unallocated)} − overshoot ${fmt(overshoot)} = residual ${fmt(residual)}`));

        // 5. margin applied exactly what loss allocation decided (a rejected ApplyLossAllocation leaves the loss unpaid)
        if (journalsIntact('margin')) {
          const applied = f.applied ?? null;
          if (!applied) out.push(fail('allocation-applied', `LossAllocated ${f.defaultId} was never applied by margin (no LossAllocationApplied)`, { ...a, field: 'payload.allocations' }));
          else if (cents(applied.totalCharged, 'LossAllocationApplied totalCharged') !== sum || applied.lines !== a.amounts.length)
            out.push(
              fail('allocation-applied', `margin charged ${applied.totalCharged} over ${applied.lines} line(s); loss allocation decided ${fmt(sum)} over ${a.amounts.length}`, {
                ...applied,
                field: 'payload.totalCharged',
              }),
            );
          else out.push(pass('allocation-applied', `margin charged ${fmt(sum)} over ${applied.lines} line(s), as decided`));
        }
      }
    }
  } catch (e) {
    if (!(e instanceof CentError)) throw e;
    out.push(fail('whole-cents', e.message, { ...d, field: 'payload' }));
  }
  return out;
}
