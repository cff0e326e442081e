// Admin authentication: Bearer tokens checked against SHA-256 hashes. The configured
// GATEHOUSE_ADMIN_TOKEN always works; without one, the first start mints a token, prints it
// once, and keeps only its hash. Failed attempts are limited per client address before any token
// is compared (src/ops/auth-failures.ts) and audited up to a threshold.
import type { FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { randomToken, safeEqual, sha256 } from '../crypto.ts';
import type { Database } from '../db/schema.ts';
import { errors } from '../errors.ts';
import { bearerHeaders, bearerToken } from '../http/authorization.ts';
import type { Audit } from '../audit/audit.ts';
import type { AuthFailures } from '../ops/auth-failures.ts';

export class AdminAuth {
  #db: Kysely<Database>;
  #audit: Audit;
  #failures: AuthFailures;
  #hashes: string[] = [];

  constructor(db: Kysely<Database>, audit: Audit, failures: AuthFailures, configured: string | undefined) {
    this.#db = db;
    this.#audit = audit;
    this.#failures = failures;
    if (configured) this.#hashes.push(sha256(configured));
  }

  /** Load stored hashes; with none at all, mint the first token and return it (to print once). */
  async init(): Promise<string | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      // Serialise first boots of several instances: only one mints (and prints) a token.
      await sql`select pg_advisory_xact_lock(727002)`.execute(trx);
      const rows = await trx.selectFrom('admin_tokens').select('token_hash').execute();
      this.#hashes.push(...rows.map((r) => r.token_hash));
      if (this.#hashes.length > 0) return undefined;
      const token = `gha_${randomToken(32)}`;
      await trx
        .insertInto('admin_tokens')
        .values({ token_hash: sha256(token) })
        .execute();
      this.#hashes.push(sha256(token));
      return token;
    });
  }

  /** onRequest hook for admin routes. */
  check = async (request: FastifyRequest): Promise<void> => {
    await this.#failures.guard(
      request,
      'admin',
      async () => this.verify(request),
      () => this.recordFailure(request),
    );
  };

  /** Whether `token` is an admin token (the console's sign-in asks this of its password field). */
  matches(token: string | undefined): boolean {
    const presented = token ? sha256(token) : undefined;
    // Compare against every known hash so the time taken does not reveal which one matched.
    let ok = false;
    for (const hash of this.#hashes) ok = (presented !== undefined && safeEqual(presented, hash)) || ok;
    return ok;
  }

  /** Throw 401 unless the request carries an admin token (counting failures is the caller's part). */
  verify(request: FastifyRequest): void {
    const match = bearerToken(request.headers.authorization);
    if (this.matches(match)) return;
    throw errors.Unauthorized(match ? 'the admin token is not valid' : 'an admin Bearer token is required').with(bearerHeaders({ realm: 'gatehouse-admin' }));
  }

  recordFailure(request: FastifyRequest): void {
    const reason = bearerToken(request.headers.authorization) ? 'unknown token' : 'missing bearer token';
    this.#audit.record({ action: 'admin.auth_failed', outcome: 'failure', actor: null, ip: request.ip, details: { route: request.routeOptions.url, reason } });
  }
}
