import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  developmentJournalKeys,
  GeneratedKeys,
  JournalKeyring,
  JournalSigner,
  KEYRING_FILE,
  keyringFromFile,
  keyringToFile,
  PRODUCERS,
  Producer,
  privateKeyFromPem,
  signerOf,
} from '@ccp/contracts';

/** What a service holds: its own signing key and every journal owner's public key. */
export interface RuntimeKeys {
  readonly signer: JournalSigner;
  readonly keyring: JournalKeyring;
}

export const privateKeyFileName = (producer: Producer): string => `${producer}.key.pem`;

/**
 * A service's keys from its environment (docs/adr/0007-signed-journal-heads.md):
 * - CCP_JOURNAL_KEYRING_FILE — keyring.json, the public keys of all four journals;
 * - CCP_SIGNING_KEY_FILE — this service's Ed25519 private key (PKCS#8 PEM);
 * - or CCP_JOURNAL_KEYS_DIR — a directory as `ccp keys generate --out DIR` writes it
 *   (keyring.json and <journal>.key.pem; a deployment gives each service only its own key file);
 * - or CCP_JOURNAL_DEV_KEYS=1 — the well-known development keys (anyone can sign with them).
 * Anything else is a configuration error naming what to set.
 */
export function journalKeysFromEnvironment(producer: Producer, env: Readonly<Record<string, string | undefined>> = process.env): RuntimeKeys {
  const dir = env['CCP_JOURNAL_KEYS_DIR'];
  const keyringFile = env['CCP_JOURNAL_KEYRING_FILE'] ?? (dir ? join(dir, KEYRING_FILE) : undefined);
  const keyFile = env['CCP_SIGNING_KEY_FILE'] ?? (dir ? join(dir, privateKeyFileName(producer)) : undefined);
  if (keyringFile && keyFile) {
    for (const [name, file] of [
      ['keyring', keyringFile],
      ['signing key', keyFile],
    ] as const) {
      if (!existsSync(file)) throw new Error(`journal ${name} file ${file} does not exist (ccp keys generate --out DIR writes both)`);
    }
    const keyring = keyringFromFile(JSON.parse(readFileSync(keyringFile, 'utf8')) as unknown);
    const privateKey = privateKeyFromPem(readFileSync(keyFile, 'utf8'));
    if (!keyring.keys[producer].equals(createPublicKey(privateKey))) throw new Error(`${keyFile} is not the private key of ${producer}'s public key in ${keyringFile}`);
    return { signer: signerOf(producer, privateKey), keyring };
  }
  if (env['CCP_JOURNAL_DEV_KEYS'] === '1') {
    const dev = developmentJournalKeys();
    return { signer: signerOf(producer, dev.privateKeys[producer]), keyring: dev.keyring };
  }
  throw new Error(
    `no journal keys for ${producer}: set CCP_JOURNAL_KEYS_DIR (written by \`ccp keys generate --out DIR\`), or CCP_JOURNAL_KEYRING_FILE and CCP_SIGNING_KEY_FILE, or CCP_JOURNAL_DEV_KEYS=1 for the public development keys`,
  );
}

/**
 * Writes a keys directory as CCP_JOURNAL_KEYS_DIR reads it: keyring.json (public) and one
 * <journal>.key.pem (PKCS#8, mode 0600) per journal. Refuses to overwrite unless `force`.
 */
export function writeJournalKeysDir(dir: string, keys: GeneratedKeys, force = false): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [KEYRING_FILE, ...PRODUCERS.map(privateKeyFileName)].map((f) => join(dir, f));
  const existing = files.filter((f) => existsSync(f));
  if (!force && existing.length > 0) throw new Error(`refusing to overwrite ${existing.join(', ')} (--force replaces them; every journal signed with the old keys then needs the old keyring to verify)`);
  for (const p of PRODUCERS) {
    writeFileSync(join(dir, privateKeyFileName(p)), keys.privateKeys[p].export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
  }
  writeFileSync(join(dir, KEYRING_FILE), `${JSON.stringify(keyringToFile(keys.keyring), null, 2)}\n`);
  return files;
}

/** Every journal's runtime keys from one keys directory. */
export function runtimeKeysFromDir(dir: string): Record<Producer, RuntimeKeys> {
  return Object.fromEntries(PRODUCERS.map((p) => [p, journalKeysFromEnvironment(p, { CCP_JOURNAL_KEYS_DIR: dir })])) as Record<Producer, RuntimeKeys>;
}

/** The public keys alone (a reader that signs nothing: the feeder, an export, the audit over Kafka). */
export function keyringFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): JournalKeyring {
  const dir = env['CCP_JOURNAL_KEYS_DIR'];
  const file = env['CCP_JOURNAL_KEYRING_FILE'] ?? (dir ? join(dir, KEYRING_FILE) : undefined);
  if (file) {
    if (!existsSync(file)) throw new Error(`journal keyring file ${file} does not exist`);
    return keyringFromFile(JSON.parse(readFileSync(file, 'utf8')) as unknown);
  }
  if (env['CCP_JOURNAL_DEV_KEYS'] === '1') return developmentJournalKeys().keyring;
  throw new Error('no journal keyring: set CCP_JOURNAL_KEYRING_FILE or CCP_JOURNAL_KEYS_DIR (its keyring.json), or CCP_JOURNAL_DEV_KEYS=1 for the public development keys');
}
