// Idempotency-Key on the OEM API's creating calls, with the semantics Stripe's users know. The
// first answer for a (vendor, key) pair is kept for a day and replayed, with
// `Idempotent-Replayed: true`, to every retry that sends the same body to the same route, so a
// retry after a lost response gets the one-time secret instead of a 409. The key is claimed with
// one insert before the creation runs, so concurrent retries cannot both create; a retry while
// the first still runs is told so (409). The same key with another body or on another route is
// the caller's mistake (422). An answer that a retry might change (a 5xx, a thrown error, a 429)
// releases the key; any other 4xx is kept and replayed like a success, as Stripe does.
import type { FastifyReply, FastifyRequest, RouteHandlerMethod, onSendAsyncHookHandler } from 'fastify';
import type { Kysely } from 'kysely';
import type { JSONSchema } from 'json-schema-to-ts';
import { sha256, type Sealer } from '../crypto.ts';
import type { Database } from '../db/schema.ts';
import { errors } from '../errors.ts';
import type { FromSchema } from '../http/route-types.ts';
import { credentialProperties } from './credential-properties.ts';
import { oemError } from '../http/oem-surface.ts';

const IDEMPOTENCY_KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;
const REPLAYED = 'idempotent-replayed';

// The request header, matched case-insensitively. The schema is its one check: a key of the wrong
// shape is a 400 naming the header, before the caller is even authenticated.
const idempotencyHeaders = {
  type: 'object',
  properties: {
    'Idempotency-Key': {
      // No space at either end: HTTP drops those from a field value (RFC 9110 §5.5), so a key
      // holding one could not arrive as it was made.
      type: 'string',
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7E](?:[\\x20-\\x7E]*[\\x21-\\x7E])?$',
      description:
        'Optional: a key of your choosing for this call (1 to 255 printable ASCII characters, no space at either end; a UUID is a good one). ' +
        'A retry with the same key and the same body within 24 hours is not run again: it gets the first answer, status and body, ' +
        'with Idempotent-Replayed: true. The same key with another body or on another route is 422; while the first request ' +
        'with the key is still running, 409. A 5xx first answer frees the key for a retry.',
    },
  },
};

const replayHeader = {
  'Idempotent-Replayed': { type: 'string', enum: ['true'], description: 'Set on an answer replayed to a retry with the same Idempotency-Key' },
};

// The answers only the idempotency layer gives (409 may also be the route's own conflict).
const idempotencyResponses = {
  409: {
    ...oemError,
    description:
      'IDEMPOTENCY_KEY_IN_USE: a request with this Idempotency-Key is still running; retry shortly. A route may also answer 409 CONFLICT for its own reasons',
  },
  422: { ...oemError, description: 'IDEMPOTENCY_KEY_REUSED: this Idempotency-Key was used with another body or on another route' },
};

type Claim = { kind: 'claimed' } | { kind: 'replay'; status: number; body: string };

/** The idempotency_keys table (migration 013). */
export class IdempotencyKeys {
  #db: Kysely<Database>;
  #sealer: Sealer;

  constructor(db: Kysely<Database>, sealer: Sealer) {
    this.#db = db;
    this.#sealer = sealer;
  }

  /**
   * Claim `key` for one execution, or say what an earlier request with it left. The insert is the
   * claim: on a conflict only an expired row is taken over (in the same statement), so of any
   * number of concurrent requests exactly one gets a row back.
   */
  async claim(vendorId: string, key: string, route: string, fingerprint: string): Promise<Claim> {
    // A row released between the insert and the read is claimable again: try once more.
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = new Date();
      const fresh = { route, fingerprint, status: null, response: null, created_at: now };
      const claimed = await this.#db
        .insertInto('idempotency_keys')
        .values({ vendor_id: vendorId, key, ...fresh })
        .onConflict((oc) =>
          oc
            .columns(['vendor_id', 'key'])
            .doUpdateSet(fresh)
            .where('idempotency_keys.created_at', '<=', new Date(now.getTime() - IDEMPOTENCY_KEY_LIFETIME_MS)),
        )
        .returning('key')
        .executeTakeFirst();
      if (claimed) return { kind: 'claimed' };
      const row = await this.#db
        .selectFrom('idempotency_keys')
        .select(['route', 'fingerprint', 'status', 'response'])
        .where('vendor_id', '=', vendorId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) continue;
      if (row.route !== route) {
        throw errors.IdempotencyKeyReused(`this Idempotency-Key was used on another route (${row.route}); use a new key for each call`);
      }
      if (row.fingerprint !== fingerprint) {
        throw errors.IdempotencyKeyReused('this Idempotency-Key was used with a different request body; a retry must send the same body, a new call a new key');
      }
      if (row.status === null || row.response === null) {
        throw errors.IdempotencyKeyInUse();
      }
      return { kind: 'replay', status: row.status, body: this.#sealer.open(row.response) };
    }
    throw errors.IdempotencyKeyInUse();
  }

  /** Keep the first answer (sealed whole: it may carry a token, a key or a link shown once). */
  async complete(vendorId: string, key: string, status: number, body: string): Promise<void> {
    await this.#db
      .updateTable('idempotency_keys')
      .set({ status, response: this.#sealer.seal(body) })
      .where('vendor_id', '=', vendorId)
      .where('key', '=', key)
      .where('status', 'is', null)
      .execute();
  }

  /** Give the key back: the execution failed in a way a retry may not. */
  async release(vendorId: string, key: string): Promise<void> {
    await this.#db.deleteFrom('idempotency_keys').where('vendor_id', '=', vendorId).where('key', '=', key).where('status', 'is', null).execute();
  }

  /** Drop keys past their day (claims left by a crashed instance included). */
  async purge(): Promise<void> {
    await this.#db
      .deleteFrom('idempotency_keys')
      .where('created_at', '<=', new Date(Date.now() - IDEMPOTENCY_KEY_LIFETIME_MS))
      .execute();
  }
}

/** JSON with every object's keys sorted, so that key order does not make two bodies differ. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// The credential fields say who calls, which already scopes the key; a retry after a secret
// rotation is still the same call.
const CREDENTIAL_FIELDS = new Set(Object.keys(credentialProperties));

/** SHA-256 of the route and the body as validated (defaults applied), credentials left out. */
function fingerprint(route: string, body: unknown): string {
  const request =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? Object.fromEntries(Object.entries(body).filter(([name]) => !CREDENTIAL_FIELDS.has(name)))
      : body;
  return sha256(`${route}\n${canonical(request ?? null)}`);
}

interface IdempotencyClaim {
  vendorId: string;
  key: string;
  settled: boolean;
}

interface RouteSchema {
  response: Record<string, object> & { 201: object };
  [part: string]: unknown;
}

/** The request as the route's body schema types it (as the type provider types a plain route). */
type SchemaRequest<S extends RouteSchema> = FastifyRequest<{ Body: S['body'] extends JSONSchema ? FromSchema<S['body']> : unknown }>;

export interface IdempotentRoute<C, S extends RouteSchema = RouteSchema> {
  /** The route's schema; the header, the replay header and the 409 and 422 answers are added. */
  schema: S;
  /** Who calls: runs before the key is claimed, so a refused credential is never kept. */
  authenticate(request: SchemaRequest<S>): Promise<C>;
  /** The creation itself: runs at most once per key. */
  handler(request: SchemaRequest<S>, reply: FastifyReply, caller: C): Promise<FastifyReply>;
}

/**
 * Route options for a creating call that honours Idempotency-Key. The answer is kept in onSend,
 * before it is written, so a retry arriving right after the response finds it. Without the
 * header the route runs exactly as it would without this wrapper.
 */
export function idempotent<C extends { vendor: { id: string } }, const S extends RouteSchema>(keys: IdempotencyKeys, route: IdempotentRoute<C, S>) {
  const { 201: created, ...others } = route.schema.response;
  const schema = {
    ...route.schema,
    headers: idempotencyHeaders,
    response: { 201: { ...created, headers: replayHeader }, ...idempotencyResponses, ...others },
  };
  const handler: RouteHandlerMethod = async function (plain, reply) {
    // The body has passed the route's schema by now, which is what SchemaRequest states.
    const request = plain as SchemaRequest<S>;
    const caller = await route.authenticate(request);
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string') return route.handler(request, reply, caller);
    const path = `${request.method} ${request.routeOptions.url}`;
    const claim = await keys.claim(caller.vendor.id, key, path, fingerprint(path, request.body));
    if (claim.kind === 'replay') {
      // The audit of refused requests names the replayed answer's code.
      if (claim.status >= 400) request.errorCode = (JSON.parse(claim.body) as { error?: string }).error ?? null;
      return reply.status(claim.status).type('application/json; charset=utf-8').header(REPLAYED, 'true').send(claim.body);
    }
    request.idempotencyClaim = { vendorId: caller.vendor.id, key, settled: false };
    return route.handler(request, reply, caller);
  };
  const onSend: onSendAsyncHookHandler = async function (request, reply, payload) {
    const held = request.idempotencyClaim;
    if (!held || held.settled) return payload;
    held.settled = true;
    const status = reply.statusCode;
    try {
      if (status >= 500 || status === 429 || typeof payload !== 'string') await keys.release(held.vendorId, held.key);
      else await keys.complete(held.vendorId, held.key, status, payload);
    } catch (err) {
      // The claim then stays until it expires: a retry is told the request is in progress rather
      // than creating a second time. This caller still gets its answer.
      request.log.error({ err }, 'could not keep the answer to an Idempotency-Key');
    }
    return payload;
  };
  return { schema, handler, onSend };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request claimed, until its answer is kept or the key released. (decorated with its initial value in src/http/request-fields.ts) */
    idempotencyClaim: IdempotencyClaim | null;
  }
}
