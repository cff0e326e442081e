// Audit events: every token issued or refused, every client and key change and every failed
// admin authentication is recorded with actor, client, IP, time and outcome, never a secret;
// the admin API lists them newest first with filters and pagination.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { admin, basic, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';

const API = '/admin/api/v1';
const FORM = 'application/x-www-form-urlencoded';

type Event = {
  id: string;
  at: string;
  action: string;
  outcome: string;
  actor: string | null;
  client_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
};

let g: TestGatehouse;
let c: { client_id: string; client_secret: string };
let issued: string;
let startedAt: string;

before(async () => {
  g = await startGatehouse();
  startedAt = new Date(Date.now() - 1000).toISOString();
  // A little of everything, from two addresses.
  c = await createClient(g, { name: 'Audited' });
  const ok = await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': FORM, authorization: basic(c.client_id, c.client_secret) },
    payload: 'grant_type=client_credentials&scope=read',
    remoteAddress: '203.0.113.7',
  });
  issued = ok.json().access_token;
  await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': FORM, authorization: basic(c.client_id, 'wrong-secret-value') },
    payload: 'grant_type=client_credentials',
    remoteAddress: '198.51.100.2',
  });
  await g.app.inject({
    method: 'POST',
    url: '/oauth/revoke',
    headers: { 'content-type': FORM, authorization: basic(c.client_id, c.client_secret) },
    payload: `token=${issued}`,
  });
  await g.app.inject({ method: 'PATCH', url: `${API}/clients/${c.client_id}`, headers: admin, payload: { scopes: ['read', 'write'] } });
  await g.app.inject({ method: 'POST', url: `${API}/keys/rotate`, headers: admin });
  await g.app.inject({ method: 'GET', url: `${API}/clients`, headers: { authorization: 'Bearer not-the-admin-token' }, remoteAddress: '192.0.2.99' });
});
after(() => g.stop());

async function list(query = ''): Promise<Event[]> {
  const res = await g.app.inject({ method: 'GET', url: `${API}/audit-events${query}`, headers: admin });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().events;
}

test('each kind of event is recorded with actor, client, IP, time and outcome', async () => {
  const events = await list();
  const find = (action: string) => {
    const found = events.filter((e) => e.action === action);
    assert.ok(found.length > 0, `${action} in ${events.map((e) => e.action).join(', ')}`);
    return found[0];
  };
  const created = find('client.created');
  assert.deepEqual([created.outcome, created.actor, created.client_id, created.ip], ['success', 'admin', c.client_id, '127.0.0.1']);
  const tokenIssued = find('token.issued');
  assert.deepEqual([tokenIssued.outcome, tokenIssued.actor, tokenIssued.client_id, tokenIssued.ip], ['success', c.client_id, c.client_id, '203.0.113.7']);
  assert.deepEqual(tokenIssued.details, { grant_type: 'client_credentials', scope: 'read' });
  const refused = find('token.refused');
  assert.deepEqual([refused.outcome, refused.client_id, refused.ip], ['failure', c.client_id, '198.51.100.2']);
  assert.deepEqual(refused.details, { grant_type: 'client_credentials', error: 'invalid_client' });
  const revoked = find('token.revoked');
  assert.equal(revoked.client_id, c.client_id);
  assert.equal(typeof revoked.details.jti, 'string');
  assert.equal(find('client.updated').client_id, c.client_id);
  const rotated = find('key.rotated');
  assert.equal(rotated.actor, 'admin');
  assert.equal(rotated.details.current, g.services.keystore.list().find((k) => k.status === 'current')!.kid);
  const failed = find('admin.auth_failed');
  assert.deepEqual([failed.outcome, failed.actor, failed.ip], ['failure', null, '192.0.2.99']);
  assert.equal(failed.details.reason, 'unknown token');
  for (const e of events) {
    assert.match(e.id, /^\d+$/);
    assert.ok(Date.parse(e.at) >= Date.parse(startedAt) && Date.parse(e.at) <= Date.now() + 1000, e.at);
  }
  // Newest first.
  const ids = events.map((e) => BigInt(e.id));
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)),
  );
  const text = JSON.stringify(events);
  for (const secret of [c.client_secret, issued, 'wrong-secret-value', 'not-the-admin-token']) assert.ok(!text.includes(secret), 'no secret is recorded');
});

test('filters: action, outcome, client_id, since, until', async () => {
  const all = await list('?limit=1000');
  const byAction = await list('?action=token.issued');
  assert.ok(byAction.length >= 1 && byAction.every((e) => e.action === 'token.issued'));
  const failures = await list('?outcome=failure');
  assert.deepEqual(
    failures.map((e) => e.id),
    all.filter((e) => e.outcome === 'failure').map((e) => e.id),
  );
  const forClient = await list(`?client_id=${c.client_id}`);
  assert.deepEqual(
    forClient.map((e) => e.id),
    all.filter((e) => e.client_id === c.client_id).map((e) => e.id),
  );
  const combined = await list(`?client_id=${c.client_id}&outcome=failure&action=token.refused`);
  assert.equal(combined.length, 1);
  assert.equal((await list('?action=no.such.action')).length, 0);

  const future = new Date(Date.now() + 60_000).toISOString();
  assert.equal((await list(`?since=${encodeURIComponent(future)}`)).length, 0);
  assert.equal((await list(`?until=${encodeURIComponent(startedAt)}`)).length, 0);
  const window = await list(`?since=${encodeURIComponent(startedAt)}&until=${encodeURIComponent(future)}&limit=1000`);
  assert.equal(window.length, all.length);
});

test('limit and before_id page through the events', async () => {
  // Enough events for more than the default page.
  for (let i = 0; i < 105; i++) g.services.audit.record({ action: 'test.filler', outcome: 'success', actor: 'test', details: { i } });
  const page = await list();
  assert.equal(page.length, 100, 'the default page is 100');
  const first = await list('?limit=40&action=test.filler');
  assert.equal(first.length, 40);
  assert.equal(first[0].details.i, 104);
  const seen = [...first];
  let last = first.at(-1)!.id;
  for (;;) {
    const next = await list(`?limit=40&action=test.filler&before_id=${last}`);
    if (next.length === 0) break;
    assert.ok(next.every((e) => BigInt(e.id) < BigInt(last)));
    seen.push(...next);
    last = next.at(-1)!.id;
  }
  assert.deepEqual(
    seen.map((e) => e.details.i),
    Array.from({ length: 105 }, (_, i) => 104 - i),
  );
});

test('with a time range the pages go newest first by time, ties broken by id, none lost or repeated', async () => {
  // Events written out of time order (as held ones are, once the database is back), several at
  // one instant, and one on each side of the window.
  const base = Date.parse('2026-03-01T12:00:00.000Z');
  const offsets = [0, 5, 5, 5, 9, 2, 7, 7, 1, 3, 5, 8, 6, 6, 6, 4, 0, 9, -1, 10];
  await sql`insert into audit_events (at, action, outcome, details)
    select a, 'test.timed', 'success', jsonb_build_object('n', n)
    from unnest(${offsets.map((o) => new Date(base + o * 1000).toISOString())}::timestamptz[]) with ordinality as t(a, n)`.execute(g.services.storage.db);
  const since = encodeURIComponent(new Date(base).toISOString());
  const until = encodeURIComponent(new Date(base + 10_000).toISOString());
  const all = await list(`?action=test.timed&since=${since}&until=${until}&limit=1000`);
  assert.equal(all.length, offsets.filter((o) => o >= 0 && o < 10).length);
  const expected = [...all].sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || Number(BigInt(b.id) - BigInt(a.id)));
  assert.deepEqual(
    all.map((e) => e.id),
    expected.map((e) => e.id),
  );
  for (const filter of [`action=test.timed&since=${since}&until=${until}`, `since=${since}&until=${until}`]) {
    const seen: Event[] = [];
    let cursor = '';
    for (;;) {
      const page = await list(`?${filter}&limit=3${cursor}`);
      if (page.length === 0) break;
      seen.push(...page);
      cursor = `&before_id=${page.at(-1)!.id}`;
    }
    assert.deepEqual(
      seen.map((e) => e.id),
      expected.map((e) => e.id),
      filter,
    );
  }
});

test('bad filters are 400 naming the parameter, and change nothing', async () => {
  const count = async () => {
    await g.services.audit.flush();
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_events`.execute(g.services.storage.db);
    return rows[0].n;
  };
  const cases: [string, RegExp][] = [
    ['?outcome=maybe', /outcome/],
    ['?since=yesterday', /since/],
    ['?until=2024-13-45', /until/],
    ['?limit=0', /limit/],
    ['?limit=1001', /limit/],
    ['?limit=ten', /limit/],
    ['?before_id=abc', /before_id/],
    ['?colour=blue', /colour/],
    [`?action=${'a'.repeat(101)}`, /action/],
  ];
  for (const [query, field] of cases) {
    const before = await count();
    const res = await g.app.inject({ method: 'GET', url: `${API}/audit-events${query}`, headers: admin });
    assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
    assert.equal(res.json().error.code, 'invalid_request');
    assert.match(res.json().error.message, field, query);
    assert.equal(await count(), before, query);
  }
});

test('listing needs the admin token; a refused listing is itself audited', async () => {
  const before = (await list('?action=admin.auth_failed&limit=1000')).length;
  const res = await g.app.inject({ method: 'GET', url: `${API}/audit-events` });
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().events, undefined);
  const after = await list('?action=admin.auth_failed&limit=1000');
  assert.equal(after.length, before + 1);
  assert.equal(after[0].details.reason, 'missing bearer token');
  assert.equal(after[0].details.route, `${API}/audit-events`);
});
