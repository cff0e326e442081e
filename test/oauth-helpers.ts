// Test support for the OAuth protocol surface: requests to the token, introspection and
// revocation endpoints; the rows a refused request must leave alone and the audit event it must
// leave behind.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { basic, type TestGatehouse } from './helpers.ts';

export const ISSUER = 'http://gatehouse.test';
export const FORM = 'application/x-www-form-urlencoded';

export interface Credentials {
  client_id: string;
  client_secret: string;
}

export const basicAuth = (c: Credentials) => ({ authorization: basic(c.client_id, c.client_secret) });

/** A POST to an OAuth endpoint: a string payload goes form-encoded, an object as JSON. */
export function post(url: string, payload: string | object, headers: Record<string, string> = {}): InjectOptions {
  const json = typeof payload !== 'string';
  return {
    method: 'POST',
    url,
    headers: { 'content-type': json ? 'application/json' : FORM, ...headers },
    payload: json ? JSON.stringify(payload) : payload,
  };
}

/** A client_credentials token (Basic, form body); anything but 200 fails the test. */
export async function issueToken(g: TestGatehouse, c: Credentials, scope?: string) {
  const res = await g.app.inject(post('/oauth/token', `grant_type=client_credentials${scope ? `&scope=${encodeURIComponent(scope)}` : ''}`, basicAuth(c)));
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { access_token: string; token_type: string; expires_in?: number; scope: string };
}

/** The introspection answer for `token`, asked by `asker` (RFC 7662). */
export async function introspect(g: TestGatehouse, asker: Credentials, token: string): Promise<Record<string, unknown>> {
  const res = await g.app.inject(post('/oauth/introspect', `token=${encodeURIComponent(token)}`, basicAuth(asker)));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['cache-control'], 'no-store');
  return res.json();
}

/** The JWKS as served, and a jose key set built from it. */
export async function jwks(g: TestGatehouse) {
  const res = await g.app.inject({ method: 'GET', url: '/oauth/jwks' });
  assert.equal(res.statusCode, 200);
  const set = res.json() as JSONWebKeySet;
  return { keys: set.keys as Array<Record<string, string>>, keySet: createLocalJWKSet(set) };
}

/** SHA-256 as Gatehouse stores high-entropy secrets and opaque tokens (base64url). */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** What a token, introspection or revocation request could change, and the last audit event so far. */
export async function snapshot(g: TestGatehouse) {
  await g.services.audit.flush();
  const { rows } = await sql<Record<string, string>>`select
      (select count(*) from clients)::text as clients,
      (select string_agg(id || ':' || coalesce(secret_hash, '') || ':' || updated_at::text, ',' order by id) from clients) as client_rows,
      (select count(*) from access_tokens)::text as access_tokens,
      (select count(*) from access_tokens where revoked_at is not null)::text as revoked_access_tokens,
      (select count(*) from revoked_jtis)::text as revoked_jtis,
      (select count(*) from signing_keys)::text as signing_keys,
      (select coalesce(max(id), 0) from audit_events)::text as last_audit_id`.execute(g.services.storage.db);
  const { last_audit_id: lastAuditId, ...state } = rows[0];
  return { state, lastAuditId };
}

/** Audit events written after `lastAuditId` (buffered events are flushed first), oldest first. */
export async function auditSince(g: TestGatehouse, lastAuditId: string) {
  await g.services.audit.flush();
  return g.services.storage.db.selectFrom('audit_events').selectAll().where('id', '>', lastAuditId).orderBy('id').execute();
}

/**
 * Send a request the token endpoint must refuse and check everything RFC 6749 §5.2 and the
 * product ask of a refusal: the status and error code, an error_description, no token, no-store,
 * a Basic challenge on 401, exactly one new audit event (token.refused, failure, same error), and
 * no other change to the database.
 */
export async function assertTokenRefused(g: TestGatehouse, request: InjectOptions, status: number, error: string): Promise<LightMyRequestResponse> {
  const before = await snapshot(g);
  const res = await g.app.inject(request);
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.equal(body.error, error, res.body);
  assert.equal(typeof body.error_description, 'string');
  assert.ok(body.error_description.length > 0);
  assert.equal(body.access_token, undefined);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers.pragma, 'no-cache');
  if (status === 401) assert.equal(res.headers['www-authenticate'], 'Basic realm="gatehouse", charset="UTF-8"');
  else assert.equal(res.headers['www-authenticate'], undefined);
  const after = await snapshot(g);
  assert.deepEqual(after.state, before.state, 'the database is unchanged');
  const events = await auditSince(g, before.lastAuditId);
  assert.deepEqual(
    events.map((e) => [e.action, e.outcome]),
    [['token.refused', 'failure']],
    JSON.stringify(events),
  );
  assert.equal(events[0].details.error, error);
  assert.equal(events[0].ip, request.remoteAddress ?? '127.0.0.1');
  return res;
}
