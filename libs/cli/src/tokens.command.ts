import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import {
  generateTokenIssuerKeys,
  issueReadApiToken,
  READ_API_TOKEN_AUDIENCE,
  type ReadApiPrincipal,
  TOKEN_ISSUER_PRIVATE_KEY_FILE,
  TOKEN_ISSUER_PUBLIC_KEY_FILE,
} from '@ccp/contracts';
import { writeTokenIssuerKeys } from '@ccp/engine';
import { CliError, messageOf } from './cli-io';
import { action, type CliContext, EXIT_OK } from './cli-program';

export const TOKEN_TTL_SECONDS_DEFAULT = 3600;

interface KeysFlags {
  readonly out: string;
  readonly force?: boolean;
}

interface IssueFlags {
  readonly key: string;
  readonly auditor?: boolean;
  readonly member?: string;
  readonly subject?: string;
  readonly ttl: number;
  readonly audience?: string;
  readonly issuer?: string;
  readonly json?: boolean;
}

/** What `ccp tokens issue --json` prints: the token and the claims it carries. */
export interface IssuedToken {
  readonly token: string;
  readonly role: ReadApiPrincipal['role'];
  readonly memberId: string | null;
  readonly subject: string;
  readonly audience: string;
  readonly issuer: string | null;
  readonly issuedAt: string;
  readonly expiresAt: string;
}

export function tokensCommand(parent: Command, ctx: CliContext): void {
  const tokens = parent.command('tokens').summary('read-API token issuer keys and bearer tokens').description('Read-API bearer tokens (JWT, Ed25519) and the key pair that issues them.');
  tokens
    .command('keys')
    .summary('a read-API token issuer key pair')
    .description(
      `A read-API token issuer key pair (Ed25519): ${TOKEN_ISSUER_PRIVATE_KEY_FILE} (private, mode 0600: keep it with whoever ` +
        `issues tokens) and ${TOKEN_ISSUER_PUBLIC_KEY_FILE} (the services' CCP_READ_API_JWT_PUBLIC_KEY_FILE).`,
    )
    .requiredOption('--out <dir>', 'the directory to write the key pair to')
    .option('--force', 'replace an existing key pair')
    .action(
      action(ctx, 'ccp tokens keys', 2, (flags: KeysFlags) => {
        let files: [string, string];
        try {
          files = writeTokenIssuerKeys(flags.out, generateTokenIssuerKeys(), flags.force === true);
        } catch (error) {
          throw new CliError(`ccp tokens keys: ${messageOf(error)}`, 2, error);
        }
        for (const path of files) ctx.io.stdout.write(`  ${path}\n`);
        ctx.io.stdout.write(`ccp tokens keys: give the services ${files[1]} (CCP_READ_API_JWT_PUBLIC_KEY_FILE); issue tokens with ccp tokens issue --key ${files[0]}\n`);
        return EXIT_OK;
      }),
    );
  tokens
    .command('issue')
    .summary('print a signed bearer token for the read API')
    .description('Print a signed bearer token for the read API: an auditor reads everything, a member its own accounts, defaults and fund row.')
    .usage('--key <private-key.pem> (--auditor | --member <memberId>) [options]')
    .requiredOption('--key <private-key.pem>', `the issuer's private key (ccp tokens keys: ${TOKEN_ISSUER_PRIVATE_KEY_FILE})`)
    .option('--auditor', 'an auditor token (reads everything)')
    .option('--member <memberId>', "a member token (reads the member's own accounts, defaults and fund row)", nonEmpty('a member id'))
    .option('--subject <sub>', 'the sub claim (default the role, and the member: auditor, member:<memberId>)')
    .option('--ttl <seconds>', 'lifetime in seconds', ttlSeconds, TOKEN_TTL_SECONDS_DEFAULT)
    .option('--audience <aud>', 'the aud claim', READ_API_TOKEN_AUDIENCE)
    .option('--issuer <iss>', 'the iss claim (default none)')
    .option('--json', 'print the token with its claims as JSON, and nothing else on stdout')
    .action(
      action(ctx, 'ccp tokens issue', 2, async (flags: IssueFlags, command: Command) => {
        if ((flags.auditor === true) === (flags.member !== undefined)) command.error('error: give exactly one of --auditor or --member <memberId>');
        let privateKey: KeyObject;
        try {
          privateKey = createPrivateKey(readFileSync(flags.key));
        } catch (error) {
          throw new CliError(`ccp tokens issue: ${flags.key} is not a private key: ${messageOf(error)}`, 2, error);
        }
        const principal: ReadApiPrincipal =
          flags.member !== undefined ? { role: 'member', memberId: flags.member, subject: flags.subject ?? `member:${flags.member}` } : { role: 'auditor', subject: flags.subject ?? 'auditor' };
        const issuedAt = new Date();
        const audience = flags.audience ?? READ_API_TOKEN_AUDIENCE;
        const token = await issueReadApiToken(privateKey, {
          principal,
          issuedAt,
          ttlSeconds: flags.ttl,
          audience,
          ...(flags.issuer !== undefined ? { issuer: flags.issuer } : {}),
        });
        if (!flags.json) {
          ctx.io.stdout.write(`${token}\n`);
          return EXIT_OK;
        }
        const iat = Math.floor(issuedAt.getTime() / 1000);
        const issued: IssuedToken = {
          token,
          role: principal.role,
          memberId: principal.role === 'member' ? principal.memberId : null,
          subject: principal.subject,
          audience,
          issuer: flags.issuer ?? null,
          issuedAt: new Date(iat * 1000).toISOString(),
          expiresAt: new Date((iat + flags.ttl) * 1000).toISOString(),
        };
        ctx.io.stdout.write(`${JSON.stringify(issued, null, 2)}\n`);
        return EXIT_OK;
      }),
    );
}

function ttlSeconds(text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new InvalidArgumentError('must be a positive whole number of seconds');
  return Number(text);
}

function nonEmpty(what: string): (text: string) => string {
  return (text) => {
    if (text === '') throw new InvalidArgumentError(`needs ${what}`);
    return text;
  };
}
