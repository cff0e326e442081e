// Who may call the MSP API: a Bearer access token (RFC 6750) that is active, bound to an
// organization, and either carries scope `webhooks:manage` or is an MSP app's token from the
// implicit grant (seed 002: "Bearer tokens issued by Egnyte's APIs do not expire"). Seed 002 also
// says apps "must be able to deal with 401 authentication failure scenarios": a token revoked,
// or dead after a password change, answers 401 here so the app knows to re-authorise.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clients } from '../clients/clients.ts';
import type { Database } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { ActiveToken, Tokens } from '../oauth/tokens.ts';

export const WEBHOOKS_SCOPE = 'webhooks:manage';

export interface MspCaller {
  organizationId: string;
  clientId: string;
  subject: string;
}

function unauthorized(message: string, error?: string): AppError {
  // RFC 6750 §3: the challenge names the error when a token was presented.
  const challenge = error ? `Bearer realm="gatehouse-msp", error="${error}"` : 'Bearer realm="gatehouse-msp"';
  return new AppError(401, error ?? 'unauthorized', message, { 'www-authenticate': challenge });
}

export class MspAuth {
  #tokens: Tokens;
  #clients: Clients;
  #db: Kysely<Database>;

  constructor(tokens: Tokens, clients: Clients, db: Kysely<Database>) {
    this.#tokens = tokens;
    this.#clients = clients;
    this.#db = db;
  }

  /** onRequest hook: sets request.mspCaller or answers 401/403. */
  check = async (request: FastifyRequest): Promise<void> => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) throw unauthorized('a Bearer access token is required');
    const active = await this.#tokens.inspect(match[1]);
    if (!active) throw unauthorized('the access token is not valid (unknown, expired or revoked): authorise again', 'invalid_token');
    if (!(await this.#mayManageWebhooks(active))) {
      // RFC 6750 §3.1: insufficient_scope answers 403.
      throw new AppError(403, 'insufficient_scope', `the access token needs scope ${WEBHOOKS_SCOPE}`,
        { 'www-authenticate': `Bearer realm="gatehouse-msp", error="insufficient_scope", scope="${WEBHOOKS_SCOPE}"` });
    }
    const organizationId = await this.#organizationOf(active);
    if (!organizationId) throw new AppError(403, 'insufficient_scope', 'the access token is not bound to an organization');
    request.mspCaller = { organizationId, clientId: active.client_id, subject: active.sub };
  };

  async #mayManageWebhooks(active: ActiveToken): Promise<boolean> {
    if (active.scope.split(' ').includes(WEBHOOKS_SCOPE)) return true;
    // A non-expiring token of a client with the implicit grant enabled: an MSP app's token.
    if (active.exp !== undefined) return false;
    const client = await this.#clients.find(active.client_id);
    return Boolean(client?.allow_implicit);
  }

  /** The organization claim when the token carries one, else the organization of the user it was issued to. */
  async #organizationOf(active: ActiveToken): Promise<string | undefined> {
    for (const claim of ['organization_id', 'org_id']) {
      if (typeof active[claim] === 'string') return active[claim] as string;
    }
    const user = await this.#db.selectFrom('users').select('organization_id').where('id', '=', active.sub).executeTakeFirst();
    return user?.organization_id;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    mspCaller?: MspCaller;
  }
}
