import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { developmentJournalKeys, JournalKeyring, JournalSigner, KEYRING_FILE, keyringFromFile, Producer, privateKeyFromPem, signerOf } from '@ccp/contracts';

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
