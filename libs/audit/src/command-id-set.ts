import { CommandGuard } from '@ccp/engine';

/** A set of non-negative int32 keys, open addressing in one typed array: 4–8 bytes a key. */
class IntSet {
  private slots = new Int32Array(1024).fill(-1);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(key: number): boolean {
    return this.slots[this.find(key)] === key;
  }

  add(key: number): void {
    const at = this.find(key);
    if (this.slots[at] === key) return;
    this.slots[at] = key;
    this.count += 1;
    if (this.count * 2 > this.slots.length) this.grow();
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (const k of this.slots) if (k >= 0) yield k;
  }

  /** the slot holding `key`, or the empty slot where it goes (linear probing) */
  private find(key: number): number {
    const mask = this.slots.length - 1;
    let at = Math.imul(key, 0x9e3779b1) >>> 0 & mask;
    while (this.slots[at] !== -1 && this.slots[at] !== key) at = (at + 1) & mask;
    return at;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(-1);
    for (const k of old) if (k >= 0) this.slots[this.find(k)] = k;
  }
}

/** At most this many distinct prefixes get an IntSet; ids of further prefixes are kept as strings. */
const MAX_PREFIXES = 64;

/**
 * The command ids a journal has decided (the engine's CommandGuard.commandIds, exactly: the same
 * `has` and `add`), held compactly. Upstream ids are `<scenario or producer>/<n>`: a prefix and
 * a number, so each id costs a few bytes in an IntSet of its prefix instead of a string (a slice
 * of its record's causationId, which it would keep alive) in a Set. Other ids stay strings, copied.
 */
export class CommandIdSet extends Set<string> {
  private readonly numbered = new Map<string, IntSet>();
  private readonly named = new Set<string>();

  override has(id: string): boolean {
    const n = split(id);
    const set = n ? this.numbered.get(n.prefix) : undefined;
    return set ? set.has(n!.number) : this.named.has(id);
  }

  override add(id: string): this {
    const n = split(id);
    if (n && (this.numbered.has(n.prefix) || this.numbered.size < MAX_PREFIXES)) {
      let set = this.numbered.get(n.prefix);
      if (!set) {
        set = new IntSet();
        this.numbered.set(copyOf(n.prefix), set);
      }
      set.add(n.number);
    } else if (!this.named.has(id)) this.named.add(copyOf(id));
    return this;
  }

  override delete(id: string): boolean {
    throw new Error(`CommandIdSet: a decided command id is never forgotten (${id})`);
  }

  override clear(): void {
    throw new Error('CommandIdSet: a decided command id is never forgotten');
  }

  override get size(): number {
    let n = this.named.size;
    for (const s of this.numbered.values()) n += s.size;
    return n;
  }

  override *values(): SetIterator<string> {
    for (const [prefix, set] of this.numbered) for (const k of set) yield `${prefix}${k}`;
    yield* this.named;
  }

  override keys(): SetIterator<string> {
    return this.values();
  }

  override *entries(): SetIterator<[string, string]> {
    for (const id of this.values()) yield [id, id];
  }

  override [Symbol.iterator](): SetIterator<string> {
    return this.values();
  }

  override forEach(callback: (value: string, key: string, set: Set<string>) => void, thisArg?: unknown): void {
    for (const id of this.values()) callback.call(thisArg, id, id, this);
  }
}

/**
 * An id as `<prefix><number>`: its last digits (at most 9, so an int32), without leading zeros (they
 * stay in the prefix), so prefix + String(number) is the id again; null if it does not end in a digit.
 */
function split(id: string): { prefix: string; number: number } | null {
  const end = id.length;
  let start = end;
  while (start > 0 && end - start < 9 && isDigit(id.charCodeAt(start - 1))) start -= 1;
  while (start < end - 1 && id.charCodeAt(start) === 48 /* 0 */) start += 1;
  if (start === end) return null;
  return { prefix: id.slice(0, start), number: Number(id.slice(start)) };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** A flat copy of a string, so a kept id does not hold the (larger) string it was sliced from. */
const copyOf = (s: string): string => (JSON.parse(JSON.stringify(s)) as string);

/** The engine's command guard over a CommandIdSet: `guardCommand` (engine) works on it unchanged. */
export function compactCommandGuard(): CommandGuard {
  return { commandIds: new CommandIdSet(), clock: '' };
}
