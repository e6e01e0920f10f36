import { decodeJournalRecord, parseJson } from './journal-codec';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('parseJson: a message from the broker', () => {
  it('parses plain JSON', () => {
    expect(parseJson(bytes('{"to":"margin","payload":{"amount":"1"}}'))).toEqual({ ok: true, value: { to: 'margin', payload: { amount: '1' } } });
  });

  it.each([
    { text: '{"to":"margin","payload":{"__proto__":{"amount":"1"}}}', path: 'payload.__proto__' },
    { text: '{"constructor":{"prototype":{}}}', path: 'constructor' },
    { text: '{"steps":[{"payload":{"prototype":1}}]}', path: 'steps[0].payload.prototype' },
    { text: '{"payload":{"\\u005f\\u005fproto__":1}}', path: 'payload.__proto__' },
  ])('refuses a forbidden key as forbidden_key at $path (never dropped)', ({ text, path }) => {
    expect(parseJson(bytes(text))).toMatchObject({ ok: false, reason: { code: 'forbidden_key', path, message: expect.stringMatching(/is not allowed/) } });
  });

  it.each([
    { name: 'no value', value: null },
    { name: 'not JSON', value: bytes('{"to":') },
  ])('keeps malformed_json for $name', ({ value }) => {
    expect(parseJson(value)).toMatchObject({ ok: false, reason: { code: 'malformed_json', path: '' } });
  });

  it('a journal record carrying a forbidden key is refused before its hash is even checked', () => {
    expect(decodeJournalRecord(bytes('{"id":"margin:1","__proto__":{"producer":"margin"}}'), 'margin')).toMatchObject({ ok: false, reason: { code: 'forbidden_key', path: '__proto__' } });
  });

  it.each(['2025-02-30T00:00:00Z', '2025-13-10T00:00:00Z', 'yesterday'])('a journal record dated %s (no such instant) is malformed at occurredAt', (occurredAt) => {
    const record = {
      id: 'margin:1', type: 'CashDeposited', version: 1, stream: 'account:A', seq: 1, occurredAt, causationId: null, correlationId: null,
      producer: 'margin', kind: 'input', source: null, payload: {}, prevHash: '0'.repeat(64), hash: '0'.repeat(64),
    };
    expect(decodeJournalRecord(bytes(JSON.stringify(record)), 'margin')).toMatchObject({ ok: false, reason: { code: 'malformed', path: 'occurredAt' } });
  });
});
