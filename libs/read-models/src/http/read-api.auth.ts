import { createParamDecorator, ForbiddenException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { principalOfAuthorization, TokenRefused, type ReadApiPrincipal, type TokenVerification } from '@ccp/contracts';

/**
 * How the read API authenticates (docs/adr/0008-read-api-tokens.md): bearer JWTs of the deployment's
 * token issuer (the contract: `ReadApiPrincipal`, `principalOfAuthorization` in @ccp/contracts), or —
 * only where the operator says so (CCP_READ_API_AUTH=off, a closed network) — not at all.
 */
export type ReadApiAuth = ({ readonly mode: 'jwt' } & TokenVerification) | { readonly mode: 'off' };

export const READ_API_AUTH = Symbol('READ_API_AUTH');

const OPEN_PRINCIPAL: ReadApiPrincipal = { role: 'auditor', subject: 'anonymous (CCP_READ_API_AUTH=off)' };

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  ccpPrincipal?: ReadApiPrincipal;
}
interface HeaderResponse {
  setHeader(name: string, value: string): unknown;
}

/** Every read-API route: a verified bearer token or 401 (with WWW-Authenticate, RFC 6750). */
@Injectable()
export class ReadApiTokenGuard implements CanActivate {
  constructor(@Inject(READ_API_AUTH) private readonly auth: ReadApiAuth) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (this.auth.mode === 'off') {
      request.ccpPrincipal = OPEN_PRINCIPAL;
      return true;
    }
    const raw = request.headers['authorization'];
    try {
      // the HTTP edge reads the clock to check expiry; nothing below it does
      request.ccpPrincipal = await principalOfAuthorization(Array.isArray(raw) ? raw[0] : raw, this.auth, new Date());
      return true;
    } catch (error: unknown) {
      if (!(error instanceof TokenRefused)) throw error;
      context
        .switchToHttp()
        .getResponse<HeaderResponse>()
        .setHeader('WWW-Authenticate', `Bearer realm="ccp", error="${error.error}", error_description="${error.message.replace(/"/g, "'")}"`);
      throw new UnauthorizedException(error.message);
    }
  }
}

/** The request's principal (set by ReadApiTokenGuard). */
export const Principal = createParamDecorator((_: unknown, context: ExecutionContext): ReadApiPrincipal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().ccpPrincipal;
  if (principal === undefined) throw new Error('no principal: the route is not behind ReadApiTokenGuard');
  return principal;
});

/** 403 unless the principal may read what belongs to `memberId` (an auditor may read everything). */
export function requireMember(principal: ReadApiPrincipal, memberId: string | null, what: string): void {
  if (principal.role === 'auditor') return;
  if (memberId !== principal.memberId) throw new ForbiddenException(`a token of member ${principal.memberId} may read only its own ${what}`);
}
