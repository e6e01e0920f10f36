import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { Producer, PRODUCERS } from './envelope';

/**
 * Who wrote a journal, provably (docs/adr/0007-signed-journal-heads.md). The chain makes every
 * record commit to all before it; the owner signs the chain's HEAD — the (seq, hash) of a record —
 * with its Ed25519 key, and that one signature vouches for every record up to it. The Kafka runtime
 * signs the head at the end of each transaction; anchors are signed heads published beside the
 * journal. A reader accepts a record only once a valid signed head of the journal's owner covers it.
 *
 * Ed25519 signatures are deterministic: the same key and head give the same bytes, so anchors stay
 * reproducible like the journals they vouch for.
 */
export interface ChainHead {
  readonly journal: Producer;
  /** seq of the head record (the last record covered) */
  readonly seq: number;
  /** that record's hash */
  readonly hash: string;
}

export interface SignedHead extends ChainHead {
  /** Ed25519 signature of headMessage(head), base64url */
  readonly signature: string;
}

/** The exact bytes an owner signs: a domain tag, the journal, the head's seq and hash. */
export function headMessage(head: ChainHead): Buffer {
  return Buffer.from(`ccp.journal-head.v1\n${head.journal}\n${head.seq}\n${head.hash}`, 'utf8');
}

/** Public keys of every journal's owner: what every reader checks signatures against. */
export interface JournalKeyring {
  readonly keys: Readonly<Record<Producer, KeyObject>>;
  /** 'development' for the well-known keys (never a trust anchor), else 'configured' */
  readonly origin: 'development' | 'configured';
}

/** A journal owner's private key. */
export interface JournalSigner {
  readonly journal: Producer;
  signHead(seq: number, hash: string): SignedHead;
  /** Ed25519 signature (base64url) of a fold snapshot's description (snapshotMessage) */
  signSnapshot(description: string): string;
}

/** The exact bytes an owner signs for a snapshot of its fold (docs/adr/0012-snapshots.md): a domain tag and the description. */
export function snapshotMessage(description: string): Buffer {
  return Buffer.from(`ccp.fold-snapshot.v1\n${description}`, 'utf8');
}

/** True only if the snapshot description is signed by the key the keyring holds for the journal. */
export function verifySnapshotSignature(keyring: JournalKeyring, journal: Producer, description: string, signature: string): boolean {
  const key = keyring.keys[journal];
  if (!key || typeof signature !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(signature)) return false;
  return verify(null, snapshotMessage(description), key, Buffer.from(signature, 'base64url'));
}

export function signerOf(journal: Producer, privateKey: KeyObject): JournalSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`the signing key of ${journal} must be Ed25519, got ${privateKey.asymmetricKeyType ?? 'unknown'}`);
  return {
    journal,
    signHead(seq, hash) {
      const head = { journal, seq, hash };
      return { ...head, signature: sign(null, headMessage(head), privateKey).toString('base64url') };
    },
    signSnapshot(description) {
      return sign(null, snapshotMessage(description), privateKey).toString('base64url');
    },
  };
}

/** True only if the head is signed by the key the keyring holds for its journal. */
export function verifyHead(keyring: JournalKeyring, head: SignedHead): boolean {
  const key = keyring.keys[head.journal];
  if (!key || typeof head.signature !== 'string' || !/^[A-Za-z0-9_-]{86}$/.test(head.signature)) return false;
  return verify(null, headMessage(head), key, Buffer.from(head.signature, 'base64url'));
}

// --- keys on disk -----------------------------------------------------------------------------------

/** keyring.json: the public keys (raw 32 bytes, base64url — JWK `x`), one per journal. */
export interface KeyringFile {
  readonly format: 'ccp.journal-keyring.v1';
  readonly keys: Readonly<Record<Producer, string>>;
}

export function keyringToFile(keyring: JournalKeyring): KeyringFile {
  const keys = Object.fromEntries(PRODUCERS.map((p) => [p, keyring.keys[p].export({ format: 'jwk' }).x as string])) as Record<Producer, string>;
  return { format: 'ccp.journal-keyring.v1', keys };
}

/** Reads keyring.json; every journal must have a key. Throws a message naming what is wrong. */
export function keyringFromFile(value: unknown, origin: JournalKeyring['origin'] = 'configured'): JournalKeyring {
  const file = value as Partial<KeyringFile> | null;
  if (!file || typeof file !== 'object' || file.format !== 'ccp.journal-keyring.v1' || !file.keys || typeof file.keys !== 'object') {
    throw new Error('a keyring is {"format":"ccp.journal-keyring.v1","keys":{"<journal>":"<Ed25519 public key, base64url>"}}');
  }
  const keys = {} as Record<Producer, KeyObject>;
  for (const p of PRODUCERS) {
    const x = (file.keys as Record<string, unknown>)[p];
    if (typeof x !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(x)) throw new Error(`keyring: keys.${p} must be a 32-byte Ed25519 public key in base64url`);
    keys[p] = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  }
  return { keys, origin };
}

/** A private key from PKCS#8 PEM (what `ccp keys generate` writes as <journal>.key.pem). */
export function privateKeyFromPem(pem: string): KeyObject {
  return createPrivateKey({ key: pem, format: 'pem' });
}

export interface GeneratedKeys {
  readonly keyring: JournalKeyring;
  readonly privateKeys: Readonly<Record<Producer, KeyObject>>;
}

/** Fresh random keys for every journal (a deployment's, or a test's). Never used by a decider. */
export function generateJournalKeys(): GeneratedKeys {
  const privateKeys = {} as Record<Producer, KeyObject>;
  const keys = {} as Record<Producer, KeyObject>;
  for (const p of PRODUCERS) {
    const pair = generateKeyPairSync('ed25519');
    privateKeys[p] = pair.privateKey;
    keys[p] = pair.publicKey;
  }
  return { keyring: { keys, origin: 'configured' }, privateKeys };
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The DEVELOPMENT keys: derived from public seeds, so anyone can sign with them. They let the
 * embedded engine and local stacks run without key management; a journal signed by them proves
 * nothing, and the audit says so.
 */
export function developmentJournalKeys(): GeneratedKeys {
  const privateKeys = {} as Record<Producer, KeyObject>;
  const keys = {} as Record<Producer, KeyObject>;
  for (const p of PRODUCERS) {
    const seed = createHash('sha256').update(`ccp development journal key: ${p}`).digest();
    privateKeys[p] = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    keys[p] = createPublicKey(privateKeys[p]);
  }
  return { keyring: { keys, origin: 'development' }, privateKeys };
}

export function isDevelopmentKeyring(keyring: JournalKeyring): boolean {
  const dev = developmentJournalKeys().keyring;
  return PRODUCERS.every((p) => keyring.keys[p].equals(dev.keys[p]));
}
