// Who may call the MSP API: a Bearer access token (RFC 6750, checked by the shared guard) that
// is bound to an organization and carries scope `webhooks:manage`. An MSP app (seed 002) gets
// that scope by consent like any other client: being allowed the implicit grant is no licence on
// its own, or a token the user granted only `read` could manage webhooks. The guard answers 401
// for a token that is unknown, revoked, or dead after its user's password change, so the app
// knows to authorise again.
import type { FastifyRequest } from 'fastify';
import { BearerGuard } from '../oauth/bearer.ts';
import type { Tokens } from '../oauth/tokens.ts';

const WEBHOOKS_SCOPE = 'webhooks:manage';

interface MspCaller {
  organizationId: string;
  clientId: string;
  subject: string;
}

export class MspAuth {
  #guard: BearerGuard;

  constructor(tokens: Tokens) {
    this.#guard = new BearerGuard(tokens, 'gatehouse-msp');
  }

  /** onRequest hook: sets request.mspCaller or answers 400/401/403. */
  check = async (request: FastifyRequest): Promise<void> => {
    // RFC 6750 §3.1: without the scope, insufficient_scope answers 403 and names the scope needed.
    const caller = await this.#guard.resolve(request, { scope: WEBHOOKS_SCOPE });
    if (!caller.organizationId) {
      throw this.#guard.refuse('insufficient_scope', 'the access token is not bound to an organization (get one through the authorization flow)');
    }
    request.mspCaller = { organizationId: caller.organizationId, clientId: caller.clientId, subject: caller.userId ?? caller.token.sub };
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The MSP API caller (set by check). (decorated with its initial value in src/http/request-fields.ts) */
    mspCaller: MspCaller | null;
  }
}
