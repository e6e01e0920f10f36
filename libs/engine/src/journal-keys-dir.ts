import { createPublicKey, KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GeneratedKeys,
  KEYRING_FILE,
  keyringFromFile,
  keyringToFile,
  parseUntrustedJson,
  privateKeyFromPem,
  PRODUCERS,
  Producer,
  TOKEN_ISSUER_PRIVATE_KEY_FILE,
  TOKEN_ISSUER_PUBLIC_KEY_FILE,
} from '@ccp/contracts';

/** `<journal>.key.pem`: a journal owner's Ed25519 private key, PKCS#8 PEM (as CCP_JOURNAL_KEYS_DIR reads it). */
export const privateKeyFile = (journal: Producer): string => `${journal}.key.pem`;

/** The files `ccp keys generate --out DIR` writes, in order: each journal's private key, then keyring.json. */
export const journalKeyFiles = (): string[] => [...PRODUCERS.map(privateKeyFile), KEYRING_FILE];

/**
 * Writes a keys directory (docs/adr/0007-signed-journal-heads.md): one `<journal>.key.pem` per
 * journal (PKCS#8 PEM, mode 0600: give each service only its own) and `keyring.json` with the four
 * public keys (give it to every reader and to auditors: `ccp audit verify --keyring`). Refuses to
 * replace any existing file unless `force`. Returns the paths written.
 */
export function writeJournalKeys(dir: string, keys: GeneratedKeys, force = false): string[] {
  mkdirSync(dir, { recursive: true });
  const paths = journalKeyFiles().map((f) => join(dir, f));
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0 && !force) {
    throw new Error(`refusing to overwrite ${existing.join(', ')} (--force replaces them; journals signed with the old keys then verify only against the old keyring)`);
  }
  const flag = force ? 'w' : 'wx'; // wx: fail rather than replace a file that appeared meanwhile
  for (const p of PRODUCERS) {
    const path = join(dir, privateKeyFile(p));
    writeFileSync(path, keys.privateKeys[p].export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag });
    chmodSync(path, 0o600); // the mode of a replaced file is not changed by writeFileSync
  }
  writeFileSync(join(dir, KEYRING_FILE), `${JSON.stringify(keyringToFile(keys.keyring), null, 2)}\n`, { flag });
  return paths;
}

/**
 * Reads a keys directory written by writeJournalKeys: every journal's private key, and keyring.json,
 * which must hold exactly their public keys. Throws naming the file that is missing or does not match.
 */
export function readJournalKeys(dir: string): GeneratedKeys {
  const keyringPath = join(dir, KEYRING_FILE);
  if (!existsSync(keyringPath)) throw new Error(`${keyringPath} does not exist (ccp keys generate --out ${dir} makes a keys directory)`);
  const parsed = parseUntrustedJson(readFileSync(keyringPath, 'utf8'));
  if (!parsed.ok) throw new Error(`${keyringPath}: ${parsed.path ? `${parsed.path}: ` : ''}${parsed.message}`);
  const keyring = keyringFromFile(parsed.value);
  const privateKeys = {} as Record<Producer, KeyObject>;
  for (const p of PRODUCERS) {
    const path = join(dir, privateKeyFile(p));
    if (!existsSync(path)) throw new Error(`${path} does not exist: signing the ${p} journal needs its private key`);
    privateKeys[p] = privateKeyFromPem(readFileSync(path, 'utf8'));
    if (!createPublicKey(privateKeys[p]).equals(keyring.keys[p])) throw new Error(`${path} is not the private key of ${p}'s public key in ${keyringPath}`);
  }
  return { keyring, privateKeys };
}

/**
 * Writes a read-API token issuer's key pair (docs/adr/0008-read-api-tokens.md) into `dir`:
 * `read-api-issuer.key.pem` (PKCS#8 PEM, mode 0600: only whoever issues tokens holds it) and
 * `read-api-issuer.public.pem` (SPKI PEM: the services' CCP_READ_API_JWT_PUBLIC_KEY_FILE). Refuses
 * to replace either unless `force`. Returns the paths written, private key first.
 */
export function writeTokenIssuerKeys(dir: string, pair: { privateKey: KeyObject; publicKey: KeyObject }, force = false): [string, string] {
  mkdirSync(dir, { recursive: true });
  const paths: [string, string] = [join(dir, TOKEN_ISSUER_PRIVATE_KEY_FILE), join(dir, TOKEN_ISSUER_PUBLIC_KEY_FILE)];
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0 && !force) throw new Error(`refusing to overwrite ${existing.join(', ')} (--force replaces them; tokens issued with the old key then stop verifying)`);
  const flag = force ? 'w' : 'wx';
  writeFileSync(paths[0], pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag });
  chmodSync(paths[0], 0o600);
  writeFileSync(paths[1], pair.publicKey.export({ format: 'pem', type: 'spki' }) as string, { flag });
  return paths;
}
