// The MSP API under /api/msp/v1/webhooks: who may call it, every endpoint, bad input answered 400
// with the field named, the per-organization cap; the same through the admin API; retention.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { emit } from '../src/events/outbox.ts';
import { admin, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { accessToken, createOrganization, credentials } from './oem-helpers.ts';
import { Browser, codeClient, codeFor, csrfOf, tenant } from './interactive-helpers.ts';
import { LOOPBACK, eventually, mspSetup, startReceiver, subscribe, type Receiver } from './webhook-helpers.ts';

let g: TestGatehouse;
let setup: Awaited<ReturnType<typeof mspSetup>>;
let receiver: Receiver;
const base = '/api/msp/v1/webhooks';

before(async () => {
  g = await startGatehouse({ ...LOOPBACK, GATEHOUSE_WEBHOOK_MAX_SUBSCRIPTIONS: '4' });
  setup = await mspSetup(g);
  receiver = await startReceiver();
});
after(async () => {
  await g.stop();
  await receiver.close();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = setup.auth) =>
  g.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

async function clear() {
  for (const w of (await call('GET', base)).json().webhooks) await call('DELETE', `${base}/${w.webhook_id}`);
}

test('the MSP app token from the implicit grant works; 401 without a valid token (revoked, password changed), 403 without scope webhooks:manage or an organization', async () => {
  const none = await call('GET', base, undefined, {});
  assert.equal(none.statusCode, 401);
  assert.match(String(none.headers['www-authenticate']), /^Bearer realm=/);
  assert.equal(none.json().error.code, 'invalid_token');
  assert.doesNotMatch(String(none.headers['www-authenticate']), /error=/, 'RFC 6750 §3: no error code when no credentials were sent');
  for (const authorization of ['Bearer nonsense', 'Bearer gho_unknownunknownunknown', 'Basic abc']) {
    const res = await call('GET', base, undefined, { authorization });
    assert.equal(res.statusCode, 401, authorization);
  }
  assert.equal((await call('GET', base, undefined, { authorization: 'Bearer not a token' })).statusCode, 400);
  const bad = await call('GET', base, undefined, { authorization: 'Bearer nonsense' });
  assert.match(String(bad.headers['www-authenticate']), /error="invalid_token"/);

  // A revoked token stops working at once: the app has to authorise again.
  const extra = await mspSetup(g);
  assert.equal((await call('GET', base, undefined, extra.auth)).statusCode, 200);
  const active = (await g.services.tokens.inspect(extra.token))!;
  assert.equal(active.exp, undefined, 'the implicit-grant token does not expire');
  await g.services.tokens.revoke(extra.token, active);
  assert.equal((await call('GET', base, undefined, extra.auth)).statusCode, 401);
  // Seed 002: a password change makes the app's token fail with 401 at once.
  const another = await mspSetup(g);
  assert.equal((await call('GET', base, undefined, another.auth)).statusCode, 200);
  await g.services.accounts.setPassword(another.owner.id, 'a whole new password 123');
  const after = await call('GET', base, undefined, another.auth);
  assert.equal(after.statusCode, 401);
  assert.match(String(after.headers['www-authenticate']), /error="invalid_token"/);

  // Right organization, wrong scope; and a token with the scope but no organization behind it.
  const other = await createClient(g, { scopes: ['read', 'webhooks:manage'] });
  const readOnly = await accessToken(g, other, 'read');
  const forbidden = await call('GET', base, undefined, { authorization: `Bearer ${readOnly}` });
  assert.equal(forbidden.statusCode, 403);
  assert.equal(forbidden.json().error.code, 'insufficient_scope');
  const noOrg = await accessToken(g, other, 'webhooks:manage');
  const orphan = await call('GET', base, undefined, { authorization: `Bearer ${noOrg}` });
  assert.equal(orphan.statusCode, 403);
  assert.match(orphan.json().error.message, /not bound to an organization/);
});

test('create, list, get, update, disable and enable, rotate, delete; another organization sees none of it', async () => {
  await clear();
  const created = await call('POST', base, {
    webhook_url: 'https://hooks.example.com/in',
    eventTypes: ['user.added', 'user.added', 'session.created'],
    auth_header: 'Authorization',
    auth_header_value: 'Bearer abc',
  });
  assert.equal(created.statusCode, 201);
  const hook = created.json();
  assert.equal(hook.status, 'enabled');
  assert.match(hook.secret, /^whsec_/);
  assert.deepEqual(hook.eventTypes, ['user.added', 'session.created']);
  assert.equal(hook.auth_header, 'Authorization');
  assert.equal(hook.auth_header_value, undefined, 'the header value is never shown');
  assert.equal(created.headers['cache-control'], 'no-store');
  const row = await g.services.storage.db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', hook.webhook_id).executeTakeFirstOrThrow();
  assert.ok(!row.secret.includes(hook.secret.slice(6)) && row.secret.startsWith('v1.'), 'the secret is stored sealed');
  // Sealed: not the plain value, and it opens to it (a bare substring test would fail whenever the
  // random IV or ciphertext happens to spell the three letters).
  assert.ok(row.auth_header_value!.startsWith('v1.') && !row.auth_header_value!.includes('Bearer abc'), 'the header value is stored sealed');
  assert.equal(g.services.sealer.open(row.auth_header_value!), 'Bearer abc');

  const alias = await call('POST', base, { webhook_url: 'https://hooks.example.com/two', event_types: ['token.revoked'] });
  assert.equal(alias.statusCode, 201);
  assert.deepEqual(alias.json().eventTypes, ['token.revoked']);

  const list = (await call('GET', base)).json().webhooks;
  assert.deepEqual(
    list.map((w: { webhook_id: string }) => w.webhook_id),
    [hook.webhook_id, alias.json().webhook_id],
  );
  assert.ok(list.every((w: Record<string, unknown>) => w.secret === undefined));
  const got = (await call('GET', `${base}/${hook.webhook_id}`)).json();
  assert.equal(got.webhook_url, 'https://hooks.example.com/in');

  const updated = await call('PATCH', `${base}/${hook.webhook_id}`, {
    webhook_url: 'https://hooks.example.com/v2',
    event_types: ['integration.created'],
    auth_header_value: 'Bearer xyz',
  });
  assert.equal(updated.statusCode, 200, updated.body);
  assert.equal(updated.json().webhook_url, 'https://hooks.example.com/v2');
  assert.deepEqual(updated.json().eventTypes, ['integration.created']);
  assert.equal(updated.json().auth_header, 'Authorization');
  const off = await call('PATCH', `${base}/${hook.webhook_id}`, { status: 'disabled' });
  assert.equal(off.json().status, 'disabled');
  assert.equal(off.json().disabled_reason, 'disabled by the organization');
  const on = await call('PATCH', `${base}/${hook.webhook_id}`, { status: 'enabled' });
  assert.equal(on.json().status, 'enabled');
  assert.equal(on.json().disabled_reason, null);
  const noHeader = await call('PATCH', `${base}/${hook.webhook_id}`, { auth_header: null });
  assert.equal(noHeader.json().auth_header, null);

  const rotated = await call('POST', `${base}/${hook.webhook_id}/rotate-secret`);
  assert.equal(rotated.statusCode, 200);
  assert.notEqual(rotated.json().secret, hook.secret);
  assert.ok(rotated.json().previous_secret_expires_at);

  // Another organization's token: 404 for everything of this one.
  const stranger = await mspSetup(g);
  assert.deepEqual((await call('GET', base, undefined, stranger.auth)).json().webhooks, []);
  for (const [method, url] of [
    ['GET', `${base}/${hook.webhook_id}`],
    ['PATCH', `${base}/${hook.webhook_id}`],
    ['DELETE', `${base}/${hook.webhook_id}`],
    ['POST', `${base}/${hook.webhook_id}/rotate-secret`],
    ['GET', `${base}/${hook.webhook_id}/deliveries`],
  ] as const) {
    const res = await call(method, url, method === 'PATCH' ? { status: 'disabled' } : undefined, stranger.auth);
    assert.equal(res.statusCode, 404, `${method} ${url}`);
  }

  assert.equal((await call('DELETE', `${base}/${hook.webhook_id}`)).statusCode, 204);
  assert.equal((await call('GET', `${base}/${hook.webhook_id}`)).statusCode, 404);
  assert.equal((await call('DELETE', `${base}/${hook.webhook_id}`)).statusCode, 404);
});

test('bad input: 400 naming the field, and nothing is created', async () => {
  await clear();
  const ok = { webhook_url: 'https://hooks.example.com/x', eventTypes: ['user.added'] };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...ok, webhook_url: 'not a url' }, /body\/webhook_url must be an absolute URL/],
    [{ ...ok, webhook_url: 'ftp://hooks.example.com/' }, /body\/webhook_url must be an https URL/],
    [{ ...ok, webhook_url: 'http://hooks.example.com/' }, /body\/webhook_url must be an https URL/],
    [{ ...ok, webhook_url: 'https://10.1.2.3/hook' }, /body\/webhook_url is refused: .*private/],
    [{ ...ok, webhook_url: 'https://[::ffff:169.254.169.254]/' }, /body\/webhook_url is refused/],
    [{ ...ok, webhook_url: 'https://user:pw@hooks.example.com/' }, /body\/webhook_url must not carry credentials/],
    [{ ...ok, webhook_url: `https://hooks.example.com/${'a'.repeat(3000)}` }, /body\/webhook_url must NOT have more than 2048 characters/],
    [{ ...ok, eventTypes: ['user.added', 'nonsense.happened'] }, /body\/eventTypes\/1 must be one of: organization\.created/],
    [{ ...ok, eventTypes: [] }, /body\/eventTypes must NOT have fewer than 1 items/],
    [{ webhook_url: ok.webhook_url }, /body\/eventTypes is required/],
    [{ ...ok, event_types: ['user.added'] }, /body\/event_types cannot be sent together with body\/eventTypes/],
    [{ ...ok, auth_header: 'X-Key', auth_header_value: 'v'.repeat(5000) }, /body\/auth_header_value must NOT have more than 4096 characters/],
    [{ ...ok, auth_header: 'X-Key' }, /body\/auth_header_value is required/],
    [{ ...ok, auth_header_value: 'v' }, /body\/auth_header is required/],
    [{ ...ok, auth_header: 'Bad Header', auth_header_value: 'v' }, /body\/auth_header must be an HTTP header name/],
    [{ ...ok, auth_header: 'webhook-signature', auth_header_value: 'v' }, /body\/auth_header "webhook-signature" is set by Gatehouse/],
    [{ ...ok, auth_header: 'X-Key', auth_header_value: 'a\r\nInjected: 1' }, /body\/auth_header_value must not contain control characters/],
    [{ ...ok, colour: 'blue' }, /body\/colour is not an allowed field/],
  ];
  for (const [payload, message] of cases) {
    const res = await call('POST', base, payload);
    assert.equal(res.statusCode, 400, `${JSON.stringify(payload).slice(0, 120)}: ${res.body}`);
    assert.match(res.json().error.message, message);
  }
  assert.equal((await call('POST', base, 'not json at all', { ...setup.auth, 'content-type': 'application/json' })).statusCode, 400);
  assert.deepEqual((await call('GET', base)).json().webhooks, []);
  const hook = await subscribe(g, setup.auth, ok);
  const patch = await call('PATCH', `${base}/${hook.webhook_id}`, { status: 'paused' });
  assert.equal(patch.statusCode, 400);
  assert.match(patch.json().error.message, /body\/status must be one of: enabled, disabled/);
  assert.match(
    (await call('PATCH', `${base}/${hook.webhook_id}`, { webhook_url: 'https://192.168.1.1/' })).json().error.message,
    /body\/webhook_url is refused/,
  );
  assert.equal((await call('PATCH', `${base}/${hook.webhook_id}`, {})).statusCode, 400);
  assert.match((await call('GET', `${base}/${hook.webhook_id}/deliveries?limit=9999`)).json().error.message, /querystring\/limit/);
  assert.match(
    (await call('POST', `${base}/${hook.webhook_id}/recover`, { since: 'yesterday' })).json().error.message,
    /body\/since must be an RFC 3339 date-time/,
  );
});

test('a configurable cap on subscriptions per organization answers a clear 409', async () => {
  await clear();
  for (let i = 0; i < 4; i++) await subscribe(g, setup.auth, { webhook_url: `https://hooks.example.com/${i}`, eventTypes: ['user.added'] });
  const fifth = await call('POST', base, { webhook_url: 'https://hooks.example.com/5', eventTypes: ['user.added'] });
  assert.equal(fifth.statusCode, 409);
  assert.equal(fifth.json().error.code, 'subscription_limit');
  assert.match(fifth.json().error.message, /already has 4 webhook subscriptions/);
  await clear();
});

test('the delivery log, resend of one delivery and recovery of every failed delivery since a time', async () => {
  await clear();
  let answer = 410;
  receiver.respond = () => ({ status: answer, body: answer === 410 ? 'gone for now' : 'ok' });
  const hook = await subscribe(g, setup.auth, { webhook_url: receiver.url, eventTypes: ['user.added'] });
  const started = new Date(Date.now() - 1000).toISOString();
  await g.services.storage.db.transaction().execute((trx) =>
    emit(trx, {
      type: 'user.added',
      organizationId: setup.organizationId,
      data: { organizationId: setup.organizationId, userId: 'u1', email: 'u1@example.com', role: 'member' },
    }),
  );
  await receiver.waitFor(1);
  const first = await eventually(async () => {
    const log = (await call('GET', `${base}/${hook.webhook_id}/deliveries`)).json().deliveries;
    return log.length === 1 && log[0].delivery_status === 'failed' && log[0];
  });
  assert.equal(first.status_code, 410);
  assert.equal(first.response_body, 'gone for now');
  assert.equal(first.trigger, 'scheduled');
  assert.equal(typeof first.duration_ms, 'number');
  assert.ok(Date.parse(first.attempted_at) > Date.parse(started));
  assert.equal((await call('GET', `${base}/${hook.webhook_id}`)).json().status, 'disabled');

  // Sending again needs the webhook enabled.
  assert.equal((await call('POST', `${base}/${hook.webhook_id}/recover`, { since: started })).statusCode, 409);
  await call('PATCH', `${base}/${hook.webhook_id}`, { status: 'enabled' });
  answer = 200;
  const recovered = await call('POST', `${base}/${hook.webhook_id}/recover`, { since: started });
  assert.equal(recovered.statusCode, 202);
  assert.deepEqual(recovered.json(), { recovered: 1 });
  await receiver.waitFor(2);
  assert.equal(receiver.received[1].headers['webhook-id'], receiver.received[0].headers['webhook-id']);
  const later = (await call('POST', `${base}/${hook.webhook_id}/recover`, { since: new Date(Date.now() + 60_000).toISOString() })).json();
  assert.deepEqual(later, { recovered: 0 });

  const resent = await call('POST', `${base}/${hook.webhook_id}/deliveries/${first.delivery_id}/resend`);
  assert.equal(resent.statusCode, 202);
  await receiver.waitFor(3);
  assert.equal(receiver.received[2].headers['webhook-id'], first.event_id);
  const log = await eventually(async () => {
    const l = (await call('GET', `${base}/${hook.webhook_id}/deliveries`)).json().deliveries;
    return l.length === 3 && l.every((a: { delivery_status: string }) => a.delivery_status === 'delivered') && l;
  });
  assert.deepEqual(
    log.map((a: { trigger: string; status_code: number }) => [a.trigger, a.status_code]),
    [
      ['manual', 200],
      ['manual', 200],
      ['scheduled', 410],
    ],
  );
  const page = (await call('GET', `${base}/${hook.webhook_id}/deliveries?limit=1&before=${log[0].attempt_id}`)).json().deliveries;
  assert.deepEqual(
    page.map((a: { attempt_id: string }) => a.attempt_id),
    [log[1].attempt_id],
  );
  assert.equal((await call('POST', `${base}/${hook.webhook_id}/deliveries/nope/resend`)).statusCode, 404);
  receiver.respond = () => ({ status: 204 });
});

test("operators manage any organization's webhooks through the admin API", async () => {
  const { organizationId } = await createOrganization(g, setup.vendor);
  const url = `/admin/api/v1/organizations/${organizationId}/webhooks`;
  assert.equal((await g.app.inject({ url })).statusCode, 401);
  const created = await g.app.inject({
    method: 'POST',
    url,
    headers: admin,
    payload: { webhook_url: 'https://hooks.example.com/a', eventTypes: ['connection.created'] },
  });
  assert.equal(created.statusCode, 201);
  const id = created.json().webhook_id;
  assert.equal((await g.app.inject({ url, headers: admin })).json().webhooks.length, 1);
  const off = await g.app.inject({ method: 'PATCH', url: `${url}/${id}`, headers: admin, payload: { status: 'disabled' } });
  assert.equal(off.json().status, 'disabled');
  assert.equal((await g.app.inject({ url: `/admin/api/v1/organizations/${setup.organizationId}/webhooks/${id}`, headers: admin })).statusCode, 404);
  const missing = await g.app.inject({
    method: 'POST',
    url: '/admin/api/v1/organizations/nope/webhooks',
    headers: admin,
    payload: { webhook_url: 'https://hooks.example.com/a', eventTypes: ['connection.created'] },
  });
  assert.equal(missing.statusCode, 404);
  assert.equal((await g.app.inject({ method: 'DELETE', url: `${url}/${id}`, headers: admin })).statusCode, 204);
  const audit = await g.services.audit.list({ action: 'webhook.created' });
  assert.ok(audit.some((e) => e.actor === 'admin' && e.details.organization_id === organizationId));
});

test('retention: attempts and payloads older than the configured days are purged by a scheduled job', async () => {
  const db = g.services.storage.db;
  const schedules = await sql<{ name: string; cron: string }>`select name, cron from pgboss.schedule where name = 'webhook-retention'`.execute(db);
  assert.deepEqual(
    schedules.rows.map((r) => r.cron),
    ['17 3 * * *'],
  );
  const hook = await subscribe(g, setup.auth, { webhook_url: receiver.url, eventTypes: ['user.removed'] });
  await db
    .transaction()
    .execute((trx) =>
      emit(trx, { type: 'user.removed', organizationId: setup.organizationId, data: { organizationId: setup.organizationId, userId: 'gone' } }),
    );
  const count = async (table: 'webhook_attempts' | 'webhook_deliveries') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('subscription_id', '=', hook.webhook_id)
          .executeTakeFirstOrThrow()
      ).n,
    );
  await eventually(async () => (await count('webhook_attempts')) === 1);
  await eventually(
    async () =>
      (await db.selectFrom('webhook_deliveries').select('status').where('subscription_id', '=', hook.webhook_id).executeTakeFirstOrThrow()).status ===
      'delivered',
  );
  assert.deepEqual(await g.services.webhooks.purgeNow(), { attempts: 0, deliveries: 0, events: 0 });
  const old = new Date(Date.now() - 31 * 86_400_000);
  await db.updateTable('webhook_attempts').set({ attempted_at: old }).where('subscription_id', '=', hook.webhook_id).execute();
  await db.updateTable('webhook_deliveries').set({ created_at: old }).where('subscription_id', '=', hook.webhook_id).execute();
  const purged = await g.services.webhooks.purgeNow();
  assert.equal(purged.attempts, 1);
  assert.equal(purged.deliveries, 1);
  assert.equal(await count('webhook_deliveries'), 0);
});

test('organization admins manage webhooks on the dashboard: create (secret shown once), disable, delete; CSRF enforced', async () => {
  const link = await g.app.inject({
    method: 'POST',
    url: '/api/oem-api/organization/session',
    payload: { ...credentials(setup.vendor), organizationOemToken: setup.organizationOemToken },
  });
  const browser = new Browser(g);
  const opened = await browser.get(new URL(link.json().redirectUrl).pathname);
  assert.equal(opened.statusCode, 303);
  const dashboard = await browser.get('/dashboard');
  assert.match(dashboard.body, /href="\/dashboard\/webhooks"/);
  const listing = await browser.get('/dashboard/webhooks');
  assert.equal(listing.statusCode, 200);
  const csrf = csrfOf(listing.body);
  const form = (fields: Record<string, string | string[]>) =>
    new URLSearchParams(Object.entries(fields).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x]))).toString();
  const post = (url: string, fields: Record<string, string | string[]>) =>
    g.app.inject({
      method: 'POST',
      url,
      headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form(fields),
    });

  const forged = await post('/dashboard/webhooks', { csrf: 'x'.repeat(43), webhook_url: 'https://hooks.example.com/d', event_types: 'user.added' });
  assert.equal(forged.statusCode, 403);
  assert.equal(
    (
      await g.app.inject({
        method: 'POST',
        url: '/dashboard/webhooks',
        headers: { cookie: browser.cookie.replace(/gh_csrf=[^;]+/, 'gh_csrf=' + 'A'.repeat(43)), 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ csrf, webhook_url: 'https://hooks.example.com/d', event_types: 'user.added' }),
      })
    ).statusCode,
    403,
    "another browser's token",
  );
  const created = await post('/dashboard/webhooks', { csrf, webhook_url: 'https://hooks.example.com/d', event_types: ['user.added', 'session.created'] });
  assert.equal(created.statusCode, 200, created.body);
  assert.match(created.body, /whsec_[A-Za-z0-9+/=]+/);
  const mine = (await call('GET', base)).json().webhooks.find((w: { webhook_url: string }) => w.webhook_url === 'https://hooks.example.com/d');
  assert.deepEqual(mine.eventTypes, ['user.added', 'session.created']);
  const detail = await browser.get(`/dashboard/webhooks/${mine.webhook_id}`);
  assert.match(detail.body, /No deliveries yet/);
  const disabled = await post(`/dashboard/webhooks/${mine.webhook_id}`, { csrf, action: 'disable' });
  assert.equal(disabled.statusCode, 303);
  assert.equal((await call('GET', `${base}/${mine.webhook_id}`)).json().status, 'disabled');
  const bad = await post('/dashboard/webhooks', { csrf, webhook_url: 'https://10.0.0.1/', event_types: 'user.added' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /webhook_url is refused/);
  assert.equal((await post(`/dashboard/webhooks/${mine.webhook_id}`, { csrf, action: 'delete' })).statusCode, 303);
  assert.equal((await call('GET', `${base}/${mine.webhook_id}`)).statusCode, 404);
  assert.equal((await g.app.inject({ url: '/dashboard/webhooks' })).statusCode, 401);
});

test('any access token with scope webhooks:manage works too: a JWT from the authorization-code flow, for its organization', async () => {
  const t = await tenant(g);
  const client = await codeClient(g, { scopes: ['webhooks:manage'] });
  const { code, verifier } = await codeFor(g, t, client, { scope: 'webhooks:manage' });
  const exchanged = await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: 'https://app.example/cb',
      client_id: client.client_id,
      client_secret: client.client_secret,
    },
  });
  assert.equal(exchanged.statusCode, 200, exchanged.body);
  const jwt = exchanged.json().access_token;
  assert.equal(jwt.split('.').length, 3);
  const auth = { authorization: `Bearer ${jwt}` };
  const created = await call('POST', base, { webhook_url: 'https://hooks.example.com/jwt', eventTypes: ['user.added'] }, auth);
  assert.equal(created.statusCode, 201, created.body);
  const row = await g.services.storage.db
    .selectFrom('webhook_subscriptions')
    .select('organization_id')
    .where('id', '=', created.json().webhook_id)
    .executeTakeFirstOrThrow();
  assert.equal(row.organization_id, t.organizationId);
  assert.equal((await call('GET', `${base}/${created.json().webhook_id}`)).statusCode, 404, 'not visible to another organization');
});
