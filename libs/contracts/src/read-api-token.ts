import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

/**
 * The read-API token contract (docs/adr/0008-read-api-tokens.md): a JWT signed by the deployment's
 * token issuer — `sub`, `aud` (default `ccp-read-api`), `exp`, optionally `iss`, and `ccp_role`:
 * an **auditor** (regulator, the CCP's own risk team) reads everything; a **member** (with
 * `ccp_member`) reads its own accounts, the defaults of its own accounts and its own fund row.
 * Issue and verify take the instant from the caller: no clock is read here.
 */
export type ReadApiPrincipal = { readonly role: 'auditor'; readonly subject: string } | { readonly role: 'member'; readonly subject: string; readonly memberId: string };

export const READ_API_TOKEN_AUDIENCE = 'ccp-read-api';
export const ROLE_CLAIM = 'ccp_role';
export const MEMBER_CLAIM = 'ccp_member';
/** a token issuer's key pair as files in a keys directory (PKCS#8 / SPKI PEM) */
export const TOKEN_ISSUER_PRIVATE_KEY_FILE = 'read-api-issuer.key.pem';
export const TOKEN_ISSUER_PUBLIC_KEY_FILE = 'read-api-issuer.public.pem';

export interface TokenVerification {
  readonly key: KeyObject;
  readonly audience: string;
  readonly issuer?: string;
}

/** The JWS algorithm a key admits (never `none`, never one the key was not made for). */
export function tokenAlgorithmOf(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'ed25519':
      return 'EdDSA';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1' || curve === 'P-256') return 'ES256';
      if (curve === 'secp384r1' || curve === 'P-384') return 'ES384';
      throw new Error(`read-API token key: EC curve ${String(curve)} is not supported (P-256 or P-384)`);
    }
    case 'rsa':
      return 'RS256';
    default:
      throw new Error(`read-API token key: ${String(key.asymmetricKeyType)} keys are not supported (Ed25519, EC P-256/P-384 or RSA)`);
  }
}

/** A token issuer's key pair (Ed25519). A deployment with its own identity provider uses that provider's key instead. */
export function generateTokenIssuerKeys(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

export interface ReadApiTokenClaims {
  readonly principal: ReadApiPrincipal;
  /** when the token is issued (the caller's clock) */
  readonly issuedAt: Date;
  readonly ttlSeconds: number;
  readonly audience?: string;
  readonly issuer?: string;
}

/** Signs a read-API token for a principal: sub, ccp_role, ccp_member for a member, aud, iat, exp (and iss if given). */
export async function issueReadApiToken(privateKey: KeyObject, claims: ReadApiTokenClaims): Promise<string> {
  if (!Number.isSafeInteger(claims.ttlSeconds) || claims.ttlSeconds <= 0) throw new Error(`token lifetime must be a positive whole number of seconds; got ${claims.ttlSeconds}`);
  const iat = Math.floor(claims.issuedAt.getTime() / 1000);
  const body: Record<string, string> = { [ROLE_CLAIM]: claims.principal.role };
  if (claims.principal.role === 'member') body[MEMBER_CLAIM] = claims.principal.memberId;
  let jwt = new SignJWT(body)
    .setProtectedHeader({ alg: tokenAlgorithmOf(privateKey), typ: 'JWT' })
    .setSubject(claims.principal.subject)
    .setAudience(claims.audience ?? READ_API_TOKEN_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + claims.ttlSeconds);
  if (claims.issuer !== undefined) jwt = jwt.setIssuer(claims.issuer);
  return jwt.sign(privateKey);
}

/** Why a request is not authenticated: what a 401 says (RFC 6750 error code and a reason). */
export class TokenRefused extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_token',
    message: string,
  ) {
    super(message);
    this.name = 'TokenRefused';
  }
}

/** The principal of an `Authorization` header value at instant `now`, or TokenRefused saying why not. */
export async function principalOfAuthorization(header: string | undefined, verification: TokenVerification, now: Date): Promise<ReadApiPrincipal> {
  if (header === undefined || header === '') throw new TokenRefused('invalid_request', 'a bearer token is required (Authorization: Bearer <JWT>)');
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header);
  if (!match) throw new TokenRefused('invalid_request', 'the Authorization header must be "Bearer <JWT>"');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(match[1]!, verification.key, {
      algorithms: [tokenAlgorithmOf(verification.key)],
      audience: verification.audience,
      ...(verification.issuer !== undefined ? { issuer: verification.issuer } : {}),
      requiredClaims: ['exp', 'sub'],
      currentDate: now,
    }));
  } catch (error: unknown) {
    if (error instanceof joseErrors.JWTExpired) throw new TokenRefused('invalid_token', 'the token has expired');
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw new TokenRefused('invalid_token', `the token's ${error.claim} claim is not acceptable: ${error.reason}`);
    if (error instanceof joseErrors.JOSEError) throw new TokenRefused('invalid_token', `the token does not verify (${error.code})`);
    throw error;
  }
  const subject = payload['sub'] as string;
  const role = payload[ROLE_CLAIM];
  if (role === 'auditor') return { role, subject };
  if (role === 'member') {
    const memberId = payload[MEMBER_CLAIM];
    if (typeof memberId !== 'string' || memberId === '') throw new TokenRefused('invalid_token', `a member token must name its member in the ${MEMBER_CLAIM} claim`);
    return { role, subject, memberId };
  }
  throw new TokenRefused('invalid_token', `the token's ${ROLE_CLAIM} claim must be "member" or "auditor"`);
}
