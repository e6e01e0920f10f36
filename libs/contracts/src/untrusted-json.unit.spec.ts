import fc from 'fast-check';
import { z } from 'zod';
import { parseWith } from './schema-primitives';
import { findForbiddenKey, FORBIDDEN_JSON_KEYS, parseUntrustedJson } from './untrusted-json';

const RUNS = Number(process.env['FC_RUNS'] ?? 300);
const FORBIDDEN = [...FORBIDDEN_JSON_KEYS];

describe('parseUntrustedJson', () => {
  it.each([
    { name: '__proto__ at the top', text: '{"a":1,"__proto__":{"x":1}}', path: '__proto__' },
    { name: 'constructor inside a payload', text: '{"payload":{"constructor":"x"}}', path: 'payload.constructor' },
    { name: 'prototype inside an array', text: '{"steps":[{"to":"margin"},{"payload":{"prototype":{}}}]}', path: 'steps[1].payload.prototype' },
    { name: 'a top-level array', text: '[{"ok":1},{"__proto__":null}]', path: '[1].__proto__' },
    { name: '__proto__ spelled with an escape', text: '{"payload":{"\\u005f_proto__":1}}', path: 'payload.__proto__' },
    { name: 'deep nesting', text: `${'{"a":'.repeat(500)}{"__proto__":1}${'}'.repeat(500)}`, path: `${Array(500).fill('a').join('.')}.__proto__` },
  ])('rejects $name, naming the path', ({ text, path }) => {
    const parsed = parseUntrustedJson(text);
    expect(parsed).toMatchObject({ ok: false, path, reason: 'forbidden_key' });
    if (!parsed.ok) expect(parsed.message).toMatch(/is not allowed/);
  });

  it.each(['{"a":', '', 'undefined', "{'a':1}", '{"a":1}}'])('reports %j as invalid JSON, not a forbidden key', (text) => {
    expect(parseUntrustedJson(text)).toMatchObject({ ok: false, path: '', reason: 'invalid_json' });
  });

  it.each([
    { name: 'the words as values', text: '{"note":"__proto__","kind":"constructor","x":["prototype"]}' },
    { name: 'keys that only contain the words', text: '{"my__proto__":1,"constructors":2,"prototype-id":3}' },
    { name: 'an escaped key that is not forbidden', text: '{"a\\"b":1,"\\u0041":2}' },
  ])('accepts $name', ({ text }) => {
    expect(parseUntrustedJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
  });

  // Arbitrary JSON, with one forbidden key planted at a random object of it.
  const jsonValue = fc.jsonValue({ maxDepth: 4 }).filter((v) => findForbiddenKey(v) === null);

  it('property: JSON without a forbidden key parses exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const text = JSON.stringify(value);
        expect(parseUntrustedJson(text)).toEqual({ ok: true, value: JSON.parse(text) });
      }),
      { numRuns: RUNS },
    );
  });

  it('property: a forbidden key planted anywhere is rejected with the path where it was planted', () => {
    fc.assert(
      fc.property(jsonValue, fc.constantFrom(...FORBIDDEN), fc.nat(), fc.jsonValue({ maxDepth: 1 }), (value, key, pick, planted) => {
        const wrapper = { root: value };
        const objects = objectsIn(wrapper, '');
        const target = objects[pick % objects.length]!;
        const holder = target.value as Record<string, unknown>;
        Object.defineProperty(holder, key, { value: planted, enumerable: true, writable: true, configurable: true });
        const text = JSON.stringify(wrapper);
        const parsed = parseUntrustedJson(text);
        expect(parsed.ok).toBe(false);
        if (parsed.ok) return;
        // JSON.stringify keeps key order, so the first forbidden key found is the planted one unless an
        // earlier sibling subtree holds it too (it cannot: the value had none).
        expect(parsed.path).toBe(target.path === '' ? key : `${target.path}.${key}`);
        expect(parsed.reason).toBe('forbidden_key');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parseWith refuses forbidden keys before a schema can drop them', () => {
  it('z.record would drop __proto__ silently; parseWith rejects it as malformed at its path', () => {
    const raw = JSON.parse('{"payload":{"a":"1","__proto__":{"polluted":true}}}') as { payload: unknown };
    const schema = z.record(z.string(), z.unknown());
    expect(Object.keys(schema.parse(raw.payload))).toEqual(['a']); // the silent drop this guards against
    expect(parseWith(schema, raw.payload, 'payload')).toMatchObject({ ok: false, rejection: { code: 'malformed', path: 'payload.__proto__' } });
  });

  it('names an unrecognized key in the path', () => {
    expect(parseWith(z.object({ a: z.string() }).strict(), { a: 'x', extra: 1 }, 'payload')).toMatchObject({ ok: false, rejection: { code: 'malformed', path: 'payload.extra' } });
  });
});

/** Every object (not array) in a JSON value, with its path in parseUntrustedJson's notation. */
function objectsIn(value: unknown, path: string): { value: object; path: string }[] {
  if (typeof value !== 'object' || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v, i) => objectsIn(v, `${path}[${i}]`));
  const own = [{ value, path }];
  return own.concat(Object.entries(value).flatMap(([k, v]) => objectsIn(v, path === '' ? k : `${path}.${k}`)));
}

describe('findForbiddenKey on in-process values', () => {
  it('walks a cyclic value once instead of looping', () => {
    const a: Record<string, unknown> = { x: 1 };
    a['self'] = a;
    expect(findForbiddenKey(a)).toBeNull();
    Object.defineProperty(a, '__proto__', { value: 1, enumerable: true });
    expect(findForbiddenKey(a)).toMatchObject({ path: '__proto__', key: '__proto__' });
  });

  it('finds a key deeper than the recursive walk goes, with its path', () => {
    let deep: unknown = { constructor: 1 };
    for (let i = 0; i < 5000; i += 1) deep = [deep];
    expect(findForbiddenKey({ root: deep })).toMatchObject({ path: `root${'[0]'.repeat(5000)}.constructor` });
  });
});
