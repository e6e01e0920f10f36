import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  developmentJournalKeys,
  JournalKeyring,
  JournalSigner,
  KEYRING_FILE,
  keyringFromFile,
  parseUntrustedJson,
  PRODUCERS,
  Producer,
  privateKeyFromPem,
  signerOf,
} from '@ccp/contracts';
import { privateKeyFile } from '@ccp/engine';

/** A keyring file's JSON, refused (naming the path) if it is not JSON or carries a forbidden key. */
function readKeyringFile(file: string): JournalKeyring {
  const json = parseUntrustedJson(readFileSync(file, 'utf8'));
  if (!json.ok) throw new Error(`journal keyring file ${file}: ${json.path === '' ? '' : `${json.path}: `}${json.message}`);
  return keyringFromFile(json.value);
}

/** What a service holds: its own signing key and every journal owner's public key. */
export interface RuntimeKeys {
  readonly signer: JournalSigner;
  readonly keyring: JournalKeyring;
}


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
  const keyFile = env['CCP_SIGNING_KEY_FILE'] ?? (dir ? join(dir, privateKeyFile(producer)) : undefined);
  if (keyringFile && keyFile) {
    for (const [name, file] of [
      ['keyring', keyringFile],
      ['signing key', keyFile],
    ] as const) {
      if (!existsSync(file)) throw new Error(`journal ${name} file ${file} does not exist (ccp keys generate --out DIR writes both)`);
    }
    const keyring = readKeyringFile(keyringFile);
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
    return readKeyringFile(file);
  }
  if (env['CCP_JOURNAL_DEV_KEYS'] === '1') return developmentJournalKeys().keyring;
  throw new Error('no journal keyring: set CCP_JOURNAL_KEYRING_FILE or CCP_JOURNAL_KEYS_DIR (its keyring.json), or CCP_JOURNAL_DEV_KEYS=1 for the public development keys');
}
