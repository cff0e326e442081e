// The guard for resource endpoints (RFC 6750): resolves the request's Bearer access token to
// who is calling, or answers with the RFC's status and WWW-Authenticate challenge. Tokens are
// inspected on every call, so a revoked token, or an implicit-grant token whose user changed
// their password or was removed, answers 401 at once on every instance (seed 002: apps "must be
// able to deal with 401 authentication failure scenarios").
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError, errors } from '../errors.ts';
import { bearerHeaders, parseBearer } from '../http/authorization.ts';
import type { ActiveToken, Tokens } from './tokens.ts';

export interface BearerCaller {
  clientId: string;
  /** The user the token acts for; undefined for a client acting on its own behalf. */
  userId: string | undefined;
  organizationId: string | undefined;
  scope: string;
  token: ActiveToken;
}

export class BearerGuard {
  #tokens: Tokens;
  #realm: string;

  constructor(tokens: Tokens, realm = 'gatehouse') {
    this.#tokens = tokens;
    this.#realm = realm;
  }

  /** The refusal with this guard's challenge (RFC 6750 §3: no error attribute when the request carried no credentials). */
  refuse(code: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined, message: string, scope?: string): AppError {
    const headers = bearerHeaders({ realm: this.#realm, error: code, error_description: code ? message : undefined, scope });
    return errors.of(code ?? 'invalid_token', message).with(headers);
  }

  /** Who the request's token speaks for; throws 400/401/403 per RFC 6750 §3.1. */
  async resolve(request: FastifyRequest, requiredScope?: string): Promise<BearerCaller> {
    const credentials = parseBearer(request.headers.authorization);
    if (credentials.kind === 'absent' || credentials.kind === 'other') throw this.refuse(undefined, 'a Bearer access token is required');
    if (credentials.kind === 'malformed') throw this.refuse('invalid_request', 'the Authorization header is not a valid Bearer credential');
    const token = await this.#tokens.inspect(credentials.token);
    if (!token) throw this.refuse('invalid_token', 'the access token is not valid (unknown, expired or revoked): authorise again');
    if (requiredScope && !token.scope.split(' ').includes(requiredScope)) {
      throw this.refuse('insufficient_scope', `the access token needs scope ${requiredScope}`, requiredScope);
    }
    const organizationId = typeof token.organization_id === 'string' ? token.organization_id : undefined;
    return { clientId: token.client_id, userId: organizationId ? token.sub : undefined, organizationId, scope: token.scope, token };
  }

  /** A preHandler that sets request.bearer. */
  require(scope?: string): preHandlerAsyncHookHandler {
    return async (request) => {
      request.bearer = await this.resolve(request, scope);
    };
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who a resource endpoint's Bearer token speaks for (set by require()). (decorated with its initial value in src/http/request-fields.ts) */
    bearer: BearerCaller | null;
  }
}
