import { invariant } from '@ccp/contracts';
import type { AccountState } from './margin.types';

/**
 * A sorted index of accounts by a liquidation-price bound (one per instrument and side), so a mark
 * examines only the accounts whose bound it crosses (design.md §7).
 *
 * Layout: a list of sorted blocks (at most 2 × BLOCK entries each), ordered by (key, account ordinal).
 * Insert and remove binary-search the block, then the position in it: O(log n + BLOCK) with no
 * whole-array shifts, so building a million-account index stays fast. A query walks from the end the
 * mark crosses and stops at the first entry it does not cross: O(candidates), nothing else is read.
 *
 * Keys are doubles: `Number(bigint)` is monotone, so comparing the converted mark with the converted
 * bound never loses a candidate (at worst it adds one at the boundary, which the exact check drops).
 */
const BLOCK = 512;

interface Block {
  readonly keys: number[];
  readonly ordinals: number[];
  readonly accounts: AccountState[];
}

const EMPTY: Block = { keys: [], ordinals: [], accounts: [] };

function before(keyA: number, ordA: number, keyB: number, ordB: number): boolean {
  return keyA < keyB || (keyA === keyB && ordA < ordB);
}

export class LiquidationPriceIndex {
  private blocks: Block[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  insert(key: number, account: AccountState): void {
    invariant(!Number.isNaN(key), 'an index key is a number');
    if (this.blocks.length === 0) {
      this.blocks.push({ keys: [key], ordinals: [account.ordinal], accounts: [account] });
      this.count = 1;
      return;
    }
    const b = this.blockFor(key, account.ordinal);
    const block = this.blocks[b];
    invariant(block !== undefined, 'a non-empty index has a block for every key');
    const at = lowerBound(block, key, account.ordinal);
    block.keys.splice(at, 0, key);
    block.ordinals.splice(at, 0, account.ordinal);
    block.accounts.splice(at, 0, account);
    this.count += 1;
    if (block.keys.length > 2 * BLOCK) {
      this.blocks.splice(b + 1, 0, {
        keys: block.keys.splice(BLOCK),
        ordinals: block.ordinals.splice(BLOCK),
        accounts: block.accounts.splice(BLOCK),
      });
    }
  }

  remove(key: number, account: AccountState): void {
    const b = this.blockFor(key, account.ordinal);
    const block = this.blocks[b];
    invariant(block !== undefined, `account ${account.accountId} is in the index`);
    const at = lowerBound(block, key, account.ordinal);
    invariant(block.accounts[at] === account, `account ${account.accountId} is in the index at key ${key}`);
    block.keys.splice(at, 1);
    block.ordinals.splice(at, 1);
    block.accounts.splice(at, 1);
    this.count -= 1;
    if (block.keys.length === 0) this.blocks.splice(b, 1);
  }

  /** Visits the entries with key ≥ bound, largest key first (longs: a falling mark crosses the top). */
  visitAtOrAbove(bound: number, visit: (account: AccountState) => void): void {
    for (let b = this.blocks.length - 1; b >= 0; b -= 1) {
      const { keys, accounts } = this.blocks[b] ?? EMPTY;
      for (let i = keys.length - 1; i >= 0; i -= 1) {
        const key = keys[i];
        const account = accounts[i];
        if (key === undefined || account === undefined || key < bound) return;
        visit(account);
      }
    }
  }

  /** Visits the entries with key ≤ bound, smallest key first (shorts: a rising mark crosses the bottom). */
  visitAtOrBelow(bound: number, visit: (account: AccountState) => void): void {
    for (const { keys, accounts } of this.blocks) {
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i];
        const account = accounts[i];
        if (key === undefined || account === undefined || key > bound) return;
        visit(account);
      }
    }
  }

  /** Every entry in index order (snapshots and tests). */
  entries(): { key: number; accountId: string }[] {
    const out: { key: number; accountId: string }[] = [];
    for (const { keys, accounts } of this.blocks) accounts.forEach((account, i) => out.push({ key: keys[i] ?? Number.NaN, accountId: account.accountId }));
    return out;
  }

  /** The first block whose last entry is not before (key, ordinal); the last block if none. */
  private blockFor(key: number, ordinal: number): number {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.blocks[mid] ?? EMPTY;
      const last = block.keys.length - 1;
      if (before(block.keys[last] ?? Number.NaN, block.ordinals[last] ?? 0, key, ordinal)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** First position in the block not before (key, ordinal). */
function lowerBound(block: Block, key: number, ordinal: number): number {
  let lo = 0;
  let hi = block.keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(block.keys[mid] ?? Number.NaN, block.ordinals[mid] ?? 0, key, ordinal)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
