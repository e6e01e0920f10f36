import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateJournalKeys,
  generateTokenIssuerKeys,
  issueReadApiToken,
  KEYRING_FILE,
  keyringFromFile,
  principalOfAuthorization,
  PRODUCERS,
  privateKeyFromPem,
  READ_API_TOKEN_AUDIENCE,
  signerOf,
  TOKEN_ISSUER_PRIVATE_KEY_FILE,
  verifyHead,
} from '@ccp/contracts';
import { journalKeyFiles, privateKeyFile, writeJournalKeys, writeTokenIssuerKeys } from './journal-keys-dir';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccp-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeJournalKeys (ccp keys generate)', () => {
  it('writes each journal its private key (PKCS#8 PEM, 0600) and keyring.json with the matching public keys', () => {
    const written = writeJournalKeys(dir, generateJournalKeys());
    expect(written).toEqual(journalKeyFiles().map((f) => join(dir, f)));
    const keyring = keyringFromFile(JSON.parse(readFileSync(join(dir, KEYRING_FILE), 'utf8')));
    for (const p of PRODUCERS) {
      const path = join(dir, privateKeyFile(p));
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const pem = readFileSync(path, 'utf8');
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      const key = privateKeyFromPem(pem);
      expect(keyring.keys[p].equals(createPublicKey(key))).toBe(true);
      expect(verifyHead(keyring, signerOf(p, key).signHead(3, 'a'.repeat(64)))).toBe(true);
    }
  });

  it('refuses to overwrite any existing file unless forced; forced, the keys are new and the mode 0600 again', () => {
    writeFileSync(join(dir, privateKeyFile('margin')), 'old', { mode: 0o644 });
    expect(() => writeJournalKeys(dir, generateJournalKeys())).toThrow(/refusing to overwrite .*margin\.key\.pem \(--force replaces them/);
    expect(readFileSync(join(dir, privateKeyFile('margin')), 'utf8')).toBe('old');
    expect(() => readFileSync(join(dir, KEYRING_FILE))).toThrow(); // nothing written
    writeJournalKeys(dir, generateJournalKeys(), true);
    expect(readFileSync(join(dir, privateKeyFile('margin')), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
    expect(statSync(join(dir, privateKeyFile('margin'))).mode & 0o777).toBe(0o600);
  });
});

describe('writeTokenIssuerKeys (ccp tokens keys)', () => {
  it('writes the private key 0600 and the public key; a token signed with the one verifies with the other', async () => {
    const [privatePath, publicPath] = writeTokenIssuerKeys(dir, generateTokenIssuerKeys());
    expect(privatePath).toBe(join(dir, TOKEN_ISSUER_PRIVATE_KEY_FILE));
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
    expect(readFileSync(publicPath, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const issuedAt = new Date('2025-10-10T21:00:00Z');
    const token = await issueReadApiToken(createPrivateKey(readFileSync(privatePath)), { principal: { role: 'auditor', subject: 'a' }, issuedAt, ttlSeconds: 60 });
    const key = createPublicKey(readFileSync(publicPath));
    expect(await principalOfAuthorization(`Bearer ${token}`, { key, audience: READ_API_TOKEN_AUDIENCE }, issuedAt)).toEqual({ role: 'auditor', subject: 'a' });
  });

  it('refuses to replace an issuer key unless forced', () => {
    const [privatePath] = writeTokenIssuerKeys(dir, generateTokenIssuerKeys());
    const before = readFileSync(privatePath, 'utf8');
    expect(() => writeTokenIssuerKeys(dir, generateTokenIssuerKeys())).toThrow(/refusing to overwrite .*read-api-issuer\.key\.pem/);
    expect(readFileSync(privatePath, 'utf8')).toBe(before);
    writeTokenIssuerKeys(dir, generateTokenIssuerKeys(), true);
    expect(readFileSync(privatePath, 'utf8')).not.toBe(before);
  });
});
