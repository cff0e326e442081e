// The guard for resource endpoints (RFC 6750): resolves the request's Bearer access token to
// who is calling, or answers with the RFC's status and WWW-Authenticate challenge. Tokens are
// inspected on every call, so a revoked token, or an implicit-grant token whose user changed
// their password or was removed, answers 401 at once on every instance (seed 002: apps "must be
// able to deal with 401 authentication failure scenarios").
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError, errors } from '../errors.ts';
import { bearerHeaders, parseBearer, TOKEN68, type BearerCredentials } from '../http/authorization.ts';
import { OPAQUE_PREFIX, type ActiveToken, type Tokens } from './tokens.ts';

export interface ResolveOptions {
  /** A scope the token must carry (403 insufficient_scope otherwise). */
  scope?: string;
  /**
   * Where else the route looks for a token besides the Authorization header. Given, the request
   * is also checked for the other RFC 6750 §2 methods: `formBody` accepts `access_token` in a
   * form-encoded body (§2.2, POST only), and a token in the query or a second method is refused.
   */
  methods?: { formBody: boolean };
}

export interface BearerCaller {
  clientId: string;
  /** The user the token acts for; undefined for a client acting on its own behalf. */
  userId: string | undefined;
  organizationId: string | undefined;
  scope: string;
  token: ActiveToken;
  /** An opaque token (checked against its row on every use) rather than a JWT. */
  opaque: boolean;
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

  /**
   * The one Bearer credential a request presents. RFC 6750 §2: "Clients MUST NOT use more than
   * one method to transmit the token in each request", so a token in the header and in the body
   * is invalid_request. The URI query method (§2.3) is never accepted: a token in a URL ends up
   * in logs and Referer headers (§5.3), so a request trying it is told so.
   */
  credentials(request: FastifyRequest, methods?: { formBody: boolean }): BearerCredentials {
    const header = parseBearer(request.headers.authorization);
    if (!methods) return header;
    const { formBody } = methods;
    const query = request.query as Record<string, unknown> | undefined;
    if (query && Object.hasOwn(query, 'access_token')) {
      throw this.refuse('invalid_request', 'the access token may not be sent in the URL query: send it in the Authorization header (RFC 6750 §2.1)');
    }
    const body = request.body as Record<string, unknown> | undefined | null;
    if (!body || typeof body !== 'object' || !Object.hasOwn(body, 'access_token')) return header;
    // §2.2: the body method needs a single-part application/x-www-form-urlencoded entity-body.
    const form = /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '');
    if (!formBody || !form) {
      throw this.refuse('invalid_request', 'access_token is accepted in the body only as a form-encoded POST parameter (RFC 6750 §2.2)');
    }
    if (header.kind === 'token' || header.kind === 'malformed') {
      throw this.refuse('invalid_request', 'the access token was sent both in the Authorization header and in the body: use one method only (RFC 6750 §2)');
    }
    const token = body.access_token;
    return typeof token === 'string' && TOKEN68.test(token) ? { kind: 'token', token } : { kind: 'malformed' };
  }

  /** Who the request's token speaks for; throws 400/401/403 per RFC 6750 §3.1. */
  async resolve(request: FastifyRequest, { scope: requiredScope, methods }: ResolveOptions = {}): Promise<BearerCaller> {
    const credentials = this.credentials(request, methods);
    if (credentials.kind === 'absent' || credentials.kind === 'other') throw this.refuse(undefined, 'a Bearer access token is required');
    if (credentials.kind === 'malformed') {
      throw this.refuse(
        'invalid_request',
        methods?.formBody ? 'the access token is not a valid Bearer credential' : 'the Authorization header is not a valid Bearer credential',
      );
    }
    const token = await this.#tokens.inspect(credentials.token);
    if (!token) throw this.refuse('invalid_token', 'the access token is not valid (unknown, expired or revoked): authorise again');
    const caller = BearerGuard.caller(token, credentials.token.startsWith(OPAQUE_PREFIX));
    if (requiredScope) this.requireScope(caller, requiredScope);
    return caller;
  }

  /** RFC 6750 §3.1: a token without `scope` is 403 insufficient_scope, naming the scope needed. */
  requireScope(caller: BearerCaller, scope: string): void {
    if (!caller.scope.split(' ').includes(scope)) throw this.refuse('insufficient_scope', `the access token needs scope ${scope}`, scope);
  }

  static caller(token: ActiveToken, opaque: boolean): BearerCaller {
    const organizationId = typeof token.organization_id === 'string' ? token.organization_id : undefined;
    return { clientId: token.client_id, userId: organizationId ? token.sub : undefined, organizationId, scope: token.scope, token, opaque };
  }

  /** A preHandler that sets request.bearer. */
  require(scope?: string): preHandlerAsyncHookHandler {
    return async (request) => {
      request.bearer = await this.resolve(request, { scope });
    };
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who a resource endpoint's Bearer token speaks for (set by require()). (decorated with its initial value in src/http/request-fields.ts) */
    bearer: BearerCaller | null;
  }
}
