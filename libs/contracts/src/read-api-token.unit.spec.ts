import { generateKeyPairSync } from 'node:crypto';
import { generateTokenIssuerKeys, type TokenVerification, issueReadApiToken, principalOfAuthorization, READ_API_TOKEN_AUDIENCE, tokenAlgorithmOf, TokenRefused } from './read-api-token';

const issuedAt = new Date('2025-10-10T21:00:00Z');
const at = (seconds: number) => new Date(issuedAt.getTime() + seconds * 1000);
const issuer = generateTokenIssuerKeys();
const verification: TokenVerification = { key: issuer.publicKey, audience: READ_API_TOKEN_AUDIENCE };
const refusal = async (header: string | undefined, now = at(1), v: TokenVerification = verification): Promise<TokenRefused> => {
  try {
    await principalOfAuthorization(header, v, now);
  } catch (error) {
    if (error instanceof TokenRefused) return error;
    throw error;
  }
  throw new Error('the token was accepted');
};

describe('read-API tokens: the contract between the token issuer and the read API', () => {
  it('a member token names its member; an auditor token only its subject', async () => {
    const member = await issueReadApiToken(issuer.privateKey, { principal: { role: 'member', subject: 'ops@m1', memberId: 'm1' }, issuedAt, ttlSeconds: 60 });
    expect(await principalOfAuthorization(`Bearer ${member}`, verification, at(59))).toEqual({ role: 'member', subject: 'ops@m1', memberId: 'm1' });
    const auditor = await issueReadApiToken(issuer.privateKey, { principal: { role: 'auditor', subject: 'regulator' }, issuedAt, ttlSeconds: 60 });
    expect(await principalOfAuthorization(`Bearer ${auditor}`, verification, at(0))).toEqual({ role: 'auditor', subject: 'regulator' });
  });

  it('expiry is checked against the instant given, not a clock: valid before exp, refused from exp on', async () => {
    const token = await issueReadApiToken(issuer.privateKey, { principal: { role: 'auditor', subject: 'a' }, issuedAt, ttlSeconds: 60 });
    await expect(principalOfAuthorization(`Bearer ${token}`, verification, at(59))).resolves.toMatchObject({ role: 'auditor' });
    expect(await refusal(`Bearer ${token}`, at(60))).toMatchObject({ error: 'invalid_token', message: 'the token has expired' });
  });

  it('refuses alg none, another issuer, another audience, a missing issuer when one is required', async () => {
    const token = await issueReadApiToken(issuer.privateKey, { principal: { role: 'auditor', subject: 'a' }, issuedAt, ttlSeconds: 60 });
    const [, payload] = token.split('.');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    expect((await refusal(`Bearer ${none}`)).error).toBe('invalid_request'); // no signature part at all
    const noneSigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.AA`;
    expect(await refusal(`Bearer ${noneSigned}`)).toMatchObject({ error: 'invalid_token', message: expect.stringMatching(/does not verify/) });
    const other = await issueReadApiToken(generateTokenIssuerKeys().privateKey, { principal: { role: 'auditor', subject: 'a' }, issuedAt, ttlSeconds: 60 });
    expect((await refusal(`Bearer ${other}`)).message).toMatch(/does not verify/);
    const elsewhere = await issueReadApiToken(issuer.privateKey, { principal: { role: 'auditor', subject: 'a' }, issuedAt, ttlSeconds: 60, audience: 'other' });
    expect((await refusal(`Bearer ${elsewhere}`)).message).toMatch(/aud claim/);
    expect((await refusal(`Bearer ${token}`, at(1), { ...verification, issuer: 'https://idp.example' })).message).toMatch(/iss claim/);
  });

  it('a token signed with an RSA key is refused by an Ed25519 verifier (no algorithm confusion)', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await issueReadApiToken(rsa.privateKey, { principal: { role: 'auditor', subject: 'a' }, issuedAt, ttlSeconds: 60 });
    expect((await refusal(`Bearer ${token}`)).message).toMatch(/does not verify/);
    expect(await principalOfAuthorization(`Bearer ${token}`, { key: rsa.publicKey, audience: READ_API_TOKEN_AUDIENCE }, at(1))).toMatchObject({ role: 'auditor' });
    expect(tokenAlgorithmOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)).toBe('ES256');
    expect(() => tokenAlgorithmOf(generateKeyPairSync('x25519').publicKey)).toThrow(/not supported/);
  });

  it.each([
    [undefined, 'invalid_request', /required/],
    ['Bearer', 'invalid_request', /must be "Bearer <JWT>"/],
    ['bearer a.b.c', 'invalid_request', /must be "Bearer <JWT>"/],
    ['Bearer a.b.c', 'invalid_token', /does not verify/],
  ])('header %p → %s', async (header, error, message) => {
    expect(await refusal(header)).toMatchObject({ error, message: expect.stringMatching(message) });
  });

  it('a lifetime must be a positive whole number of seconds', async () => {
    await expect(issueReadApiToken(issuer.privateKey, { principal: { role: 'auditor', subject: 'a' }, issuedAt, ttlSeconds: 0 })).rejects.toThrow(/positive whole number/);
  });
});
