// An organization's webhooks and connections in the operator console, over inject() against a
// Gatehouse that delivers over real HTTP to real receivers on loopback: a receiver that answers
// 410 Gone disables its subscription, and the console shows why and what it answered; the
// operator points the subscription at a working receiver, enables it, resends one delivery and
// recovers the rest; the log pages by keyset. A connection is refreshed, fails to refresh when
// the vendor refuses, and is deleted after the page saying what breaks. Bad input answers a 4xx
// page in words with the field marked; a forged form, a signed-out visitor and an organization
// member are refused. The same in Chromium: console-webhooks.browser.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { emit } from '../src/events/outbox.ts';
import { ADMIN_TOKEN, startGatehouse, type TestGatehouse } from './helpers.ts';
import { Browser, csrfOf, tenant, type Tenant } from './interactive-helpers.ts';
import { connectClientCredentials, createConnector, definition, startVendor, type QuirkyVendor } from './connector-vendors.ts';
import { LOOPBACK, eventually, startReceiver, type Receiver } from './webhook-helpers.ts';

let g: TestGatehouse;
let org: Tenant;
let operator: Browser;
let gone: Receiver;
let fixed: Receiver;
let down: Receiver;
let vendor: QuirkyVendor;

before(async () => {
  g = await startGatehouse(LOOPBACK);
  org = await tenant(g);
  gone = await startReceiver(() => ({ status: 410, body: 'gone: this endpoint moved to /v2' }));
  fixed = await startReceiver(() => ({ status: 204 }));
  down = await startReceiver(() => ({ status: 500, body: 'receiver down: database on fire' }));
  vendor = await startVendor();
  operator = new Browser(g, '198.51.100.20');
  const login = await operator.get('/console/login');
  const signedIn = await operator.post('/console/login', { csrf: csrfOf(login.body), method: 'token', token: ADMIN_TOKEN });
  assert.equal(signedIn.statusCode, 303);
});
after(async () => {
  await g.stop();
  await Promise.all([gone.close(), fixed.close(), down.close(), vendor.close()]);
});

const hooks = () => `/console/organizations/${org.organizationId}/webhooks`;
/** A console form post, with the CSRF token of the page it is on. */
async function submit(page: string, action: string, form: Record<string, string>) {
  const res = await operator.get(page);
  assert.equal(res.statusCode, 200, `${page}: ${res.body.slice(0, 300)}`);
  return operator.post(action, { csrf: csrfOf(res.body), ...form });
}
const userAdded = (n: number) =>
  g.services.storage.db.transaction().execute(async (trx) => {
    for (let i = 0; i < n; i++)
      await emit(trx, {
        type: 'user.added',
        organizationId: org.organizationId,
        data: { organizationId: org.organizationId, userId: `u${i}`, email: `u${i}@example.com`, role: 'member' },
      });
  });
const actions = async (action: string) =>
  (await g.services.audit.list({ action })).map((e) => ({
    actor: e.actor,
    via: e.details.via,
    webhook: e.details.webhook_id,
    organization: e.details.organization_id,
  }));
const rowsOf = (body: string) => [...body.matchAll(/<tr><td><time[^>]*>[^<]*<\/time><\/td><td>user\.added/g)].length;

test('a subscription whose receiver answers 410: the console shows why, and the operator fixes the URL, enables it, resends and recovers', async () => {
  const started = new Date(Date.now() - 60_000);
  // Added from the console: the signing secret is shown once.
  const created = await submit(hooks(), hooks(), { webhook_url: gone.url, event_types: 'user.added' });
  assert.equal(created.statusCode, 201, created.body);
  assert.match(created.body, /id="signing-secret" class="secret" readonly value="whsec_[A-Za-z0-9+/=]+"/);
  const [hook] = await g.services.webhooks.subscriptions.list(org.organizationId);
  assert.equal(hook!.url, gone.url);
  const page = `${hooks()}/${hook!.id}`;
  assert.ok(!(await operator.get(page)).body.includes('whsec_'), 'the secret is not shown again');

  await userAdded(2);
  await gone.waitFor(1);
  // The first answer disables the subscription: the other delivery then ends failed too, tried or not.
  const deliveries = await eventually(async () => {
    const rows = await g.services.storage.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'event_id', 'status'])
      .where('subscription_id', '=', hook!.id)
      .execute();
    return rows.length === 2 && rows.every((d) => d.status === 'failed') && rows;
  });
  const failed = await g.services.webhooks.deliveries.attempts(hook!.id);
  assert.ok(failed.length >= 1 && failed.every((a) => a.status_code === 410));
  assert.equal((await g.services.webhooks.subscriptions.get(org.organizationId, hook!.id)).status, 'disabled');
  const list = await operator.get(hooks());
  assert.equal(list.statusCode, 200);
  assert.match(list.body, /<strong class="error">disabled<\/strong>: the endpoint answered 410 Gone/);
  assert.match(list.body, new RegExp(`href="/console/organizations/${org.organizationId}"`), 'the header links back to the organization');

  // The log: the receiver's status and the start of its answer; no Resend while disabled.
  const detail = await operator.get(page);
  assert.equal(detail.statusCode, 200);
  assert.match(detail.body, /<strong class="error">410<\/strong><\/td><td>\d+ ms<\/td><td><code>gone: this endpoint moved to \/v2<\/code>/);
  assert.match(detail.body, /<strong class="error">failed<\/strong> \(scheduled\)/);
  assert.equal(rowsOf(detail.body), failed.length);
  assert.doesNotMatch(detail.body, />Resend</);
  assert.match(detail.body, /Enable the webhook to send deliveries again/);
  // Sending again while disabled is refused in words, as the API refuses it (409).
  const early = await operator.post(`${page}/deliveries/${failed[0]!.delivery_id}/resend`, { csrf: csrfOf(detail.body) });
  assert.equal(early.statusCode, 409);
  assert.match(early.body, /role="alert" id="problem">The webhook is disabled; enable it before sending again</);

  // Fix the URL (the static header too), then enable.
  const saved = await submit(page, page, { webhook_url: fixed.url, event_types: 'user.added', auth_header: 'X-Receiver-Key', auth_header_value: 'k-42' });
  assert.equal(saved.statusCode, 303, saved.body);
  const after = await operator.get(saved.headers.location as string);
  assert.match(after.body, /role="status">Saved\./);
  assert.match(after.body, new RegExp(`id="webhook-url">${fixed.url.replace(/[/.]/g, '\\$&')}<`));
  assert.ok(!after.body.includes('k-42'), 'the header value is never shown');
  const enabled = await submit(page, `${page}/enable`, {});
  assert.equal(enabled.statusCode, 303);
  assert.match((await operator.get(page)).body, /id="webhook-status"><span class="ok">enabled<\/span>/);

  // Resend the oldest delivery: it reaches the fixed receiver under its own webhook-id.
  const oldest = failed.at(-1)!;
  const resent = await submit(page, `${page}/deliveries/${oldest.delivery_id}/resend`, {});
  assert.equal(resent.statusCode, 303);
  assert.equal(resent.headers.location, `${page}?notice=resent`);
  const [first] = await fixed.waitFor(1);
  assert.equal(first!.headers['webhook-id'], oldest.event_id);
  assert.equal(first!.headers['x-receiver-key'], 'k-42');
  await eventually(
    async () => (await g.services.webhooks.deliveries.attempts(hook!.id, { deliveryId: oldest.delivery_id }))[0]?.delivery_status === 'delivered',
  );
  const delivered = await operator.get(page);
  assert.match(delivered.body, /<span class="ok">delivered<\/span> \(manual\)<\/td>\s*<td>\d+<\/td><td><strong>204<\/strong>/);

  // Recover since: the other delivery, still failed, goes again; the one delivered does not.
  const since = started.toISOString().slice(0, 16);
  const recovered = await submit(page, `${page}/recover`, { since });
  assert.equal(recovered.statusCode, 303);
  assert.equal(recovered.headers.location, `${page}?notice=recovered&count=1`);
  assert.match((await operator.get(recovered.headers.location as string)).body, /role="status">1 failed delivery is on its way again\./);
  const both = await fixed.waitFor(2);
  assert.deepEqual(new Set(both.map((r) => r.headers['webhook-id'])), new Set(deliveries.map((d) => d.event_id)));

  // Every change is audited with the operator as actor.
  for (const action of ['webhook.created', 'webhook.updated', 'webhook.resent', 'webhook.recovered']) {
    const events = await actions(action);
    assert.ok(events.length > 0, action);
    for (const e of events) assert.deepEqual(e, { actor: 'admin-token', via: 'console', webhook: hook!.id, organization: org.organizationId }, action);
  }
  const updated = await g.services.audit.list({ action: 'webhook.updated' });
  assert.deepEqual(updated.map((e) => e.details.fields).reverse(), [['webhook_url', 'auth_header'], ['status']]);

  // The log pages by keyset, newest first, with no attempt twice or left out.
  fixed.received.length = 0;
  await userAdded(55);
  await fixed.waitFor(55, 30_000);
  const all = await eventually(async () => {
    const log = await g.services.webhooks.deliveries.attempts(hook!.id, { limit: 500 });
    return log.every((a) => a.delivery_status === 'delivered' || a.status_code === 410) && log.length === failed.length + 2 + 55 && log;
  });
  const idsOf = (body: string) => [...body.matchAll(/action="[^"]+\/deliveries\/([^/]+)\/resend"/g)].map((m) => m[1]);
  const page1 = await operator.get(page);
  assert.equal(rowsOf(page1.body), 50);
  const next = /<a href="([^"]+)" rel="next">/.exec(page1.body)![1]!.replace(/&#38;/g, '&');
  assert.equal(next, `${page}?before=${all[49]!.id}`);
  const page2 = await operator.get(next);
  assert.equal(rowsOf(page2.body), all.length - 50);
  assert.doesNotMatch(page2.body, /rel="next"/);
  assert.deepEqual([...idsOf(page1.body), ...idsOf(page2.body)], [...new Set(all.map((a) => a.delivery_id))], 'one Resend per delivery, in log order');
});

test('a failing subscription is on the overview, linked; disabling, rotating and deleting confirm first', async () => {
  const created = await submit(hooks(), hooks(), { webhook_url: down.url, event_types: 'user.added' });
  assert.equal(created.statusCode, 201);
  const hook = (await g.services.webhooks.subscriptions.list(org.organizationId)).find((s) => s.url === down.url)!;
  const page = `${hooks()}/${hook.id}`;
  await userAdded(1);
  await down.waitFor(1);
  await eventually(async () => (await g.services.webhooks.subscriptions.get(org.organizationId, hook.id)).failing_since !== null);
  assert.match((await operator.get(hooks())).body, /<strong class="error">failing<\/strong> since <time/);
  const detail = await operator.get(page);
  assert.match(detail.body, /<strong class="error">500<\/strong><\/td><td>\d+ ms<\/td><td><code>receiver down: database on fire<\/code>/);
  assert.match(detail.body, /pending, next try <time/);
  const overview = await operator.get('/console');
  assert.match(
    overview.body,
    new RegExp(
      `<li><a href="${page}">Webhook <code>${hook.id}</code></a> of organization <a href="/console/organizations/${org.organizationId}"><code>${org.organizationId}</code></a> \\([^)]*\\):\\s*failing since`,
    ),
  );

  const confirmDisable = await operator.get(`${page}/disable`);
  assert.match(confirmDisable.body, /Gatehouse stops sending to this URL at once/);
  assert.equal((await operator.post(`${page}/disable`, { csrf: csrfOf(confirmDisable.body) })).statusCode, 400, 'not without the confirmation');
  assert.equal((await operator.post(`${page}/disable`, { csrf: csrfOf(confirmDisable.body), confirm: 'yes' })).statusCode, 303);
  assert.equal((await g.services.webhooks.subscriptions.get(org.organizationId, hook.id)).status, 'disabled');

  const confirmRotate = await operator.get(`${page}/rotate-secret`);
  assert.match(confirmRotate.body, /keeps signing alongside it for 24 hours/);
  const rotated = await operator.post(`${page}/rotate-secret`, { csrf: csrfOf(confirmRotate.body), confirm: 'yes' });
  assert.equal(rotated.statusCode, 200);
  assert.match(rotated.body, /id="signing-secret" class="secret" readonly value="whsec_/);
  assert.ok((await g.services.webhooks.subscriptions.get(org.organizationId, hook.id)).previous_secret_expires_at);

  const confirmDelete = await operator.get(`${page}/delete`);
  assert.match(confirmDelete.body, /its whole delivery log are removed for good/);
  const deleted = await operator.post(`${page}/delete`, { csrf: csrfOf(confirmDelete.body), confirm: 'yes' });
  assert.equal(deleted.statusCode, 303);
  assert.equal(deleted.headers.location, hooks());
  assert.equal((await operator.get(page)).statusCode, 404);
  assert.deepEqual(
    (await actions('webhook.deleted')).map((e) => e.webhook),
    [hook.id],
  );
});

test('bad input answers a 4xx page in words with the field marked, and changes nothing', async () => {
  const [hook] = await g.services.webhooks.subscriptions.list(org.organizationId);
  const page = `${hooks()}/${hook!.id}`;
  const ok = { webhook_url: 'https://hooks.example.com/in', event_types: 'user.added' };
  // [form, the field marked, the words, where: both forms, or only adding (an edit keeps the stored header value)]
  const cases: [Record<string, string>, string, RegExp, ('add' | 'edit')[]?][] = [
    [{ ...ok, webhook_url: 'ftp://hooks.example.com/' }, 'webhook_url', /Webhook URL: must be an https URL/],
    [{ ...ok, webhook_url: 'https://10.1.2.3/hook' }, 'webhook_url', /Webhook URL: is refused: 10\.1\.2\.3 is .*private/],
    [{ ...ok, webhook_url: '' }, 'webhook_url', /Webhook URL: enter the https URL/],
    [{ webhook_url: ok.webhook_url }, 'event_types', /Events: choose at least one event type\./],
    [{ ...ok, event_types: 'nonsense.happened' }, 'event_types', /Events: &#34;nonsense\.happened&#34; is not an event type\./],
    [{ ...ok, auth_header: 'webhook-signature', auth_header_value: 'v' }, 'auth_header', /Auth header: &#34;webhook-signature&#34; is set by Gatehouse/],
    [{ ...ok, auth_header: 'X-Key' }, 'auth_header_value', /Auth header value: is required when auth_header is set/, ['add']],
    [{ ...ok, auth_header_value: 'v' }, 'auth_header', /Auth header: name the header/],
  ];
  for (const [form, field, message, where = ['add', 'edit']] of cases) {
    for (const action of where.map((w) => (w === 'add' ? hooks() : page))) {
      const res = await submit(page, action, form);
      assert.equal(res.statusCode, 400, `${action} ${JSON.stringify(form)}: ${res.body.slice(0, 200)}`);
      assert.match(res.body, message, JSON.stringify(form));
      const marked = field === 'event_types' ? /<fieldset [^>]*class="field-error" aria-invalid="true"/ : new RegExp(`id="${field}"[^>]*aria-invalid="true"`);
      assert.match(res.body, marked, `${field} is marked`);
      assert.match(res.body, new RegExp(`value="${form.webhook_url ?? ''}"`), 'the form keeps what was typed');
    }
  }
  assert.equal((await g.services.webhooks.subscriptions.list(org.organizationId)).length, 1, 'nothing was created');
  assert.equal((await g.services.webhooks.subscriptions.get(org.organizationId, hook!.id)).url, hook!.url, 'nothing was changed');

  const since = await submit(page, `${page}/recover`, { since: 'yesterday' });
  assert.equal(since.statusCode, 400);
  assert.match(since.body, /Since: &#34;yesterday&#34; is not a date and time \(use YYYY-MM-DD HH:MM, UTC\)/);
  assert.match(since.body, /id="since"[^>]*aria-invalid="true"/);
  const badLink = await operator.get(`${page}?before=abc`);
  assert.equal(badLink.statusCode, 400);
  assert.match(badLink.body, /That page link is not valid/);
  const unknownDelivery = await submit(page, `${page}/deliveries/no-such-delivery/resend`, {});
  assert.equal(unknownDelivery.statusCode, 404);
  assert.match(unknownDelivery.body, /Delivery &#34;no-such-delivery&#34; does not exist for this webhook/);
  // Another organization's subscription does not exist under this one.
  const other = await tenant(g, 'Other Vendor');
  assert.equal((await operator.get(`/console/organizations/${other.organizationId}/webhooks/${hook!.id}`)).statusCode, 404);
  assert.equal((await operator.get('/console/organizations/no-such-org/webhooks')).statusCode, 404);
});

test('connections: refresh now, a vendor refusal shown in words, delete after saying what breaks', async () => {
  const connectorId = await createConnector(g, definition(vendor, { revocationUrl: `${vendor.url}/revoke` }));
  const { connection_id: id } = await connectClientCredentials(g, connectorId, org.organizationId);
  const page = `/console/organizations/${org.organizationId}/connections`;
  const list = await operator.get(page);
  assert.equal(list.statusCode, 200);
  assert.match(list.body, new RegExp(`<tr id="connection-${id}"><td><a href="/console/connectors/${connectorId}">Quirky</a>`));
  assert.match(list.body, /<span class="ok">active<\/span>/);
  assert.match(list.body, new RegExp(`href="/console/organizations/${org.organizationId}"`));

  const calls = vendor.tokenCalls.length;
  const before = (await g.services.connectors.connections.get(id)).last_refresh_at!;
  const refreshed = await submit(page, `${page}/${id}/refresh`, {});
  assert.equal(refreshed.statusCode, 303);
  assert.equal(vendor.tokenCalls.length, calls + 1, 'one token request reached the vendor');
  assert.ok((await g.services.connectors.connections.get(id)).last_refresh_at! > before);
  assert.match((await operator.get(refreshed.headers.location as string)).body, /role="status">Refreshed/);
  assert.deepEqual(
    (await g.services.audit.list({ action: 'connection.refresh_requested' })).map((e) => [e.actor, e.details.connection_id, e.details.organization_id]),
    [['admin-token', id, org.organizationId]],
  );

  // The vendor refuses: the page says what it answered, and the connection shows it broken.
  vendor.onToken = () => ({ status: 400, body: { error: 'invalid_client', error_description: 'this client was disabled at the vendor' } });
  const refused = await submit(page, `${page}/${id}/refresh`, {});
  assert.equal(refused.statusCode, 502);
  assert.match(refused.body, /role="alert" id="problem">The refresh failed: the vendor refused the token request: .*this client was disabled at the vendor/);
  assert.match(refused.body, /<strong class="error">broken<\/strong>/);
  assert.doesNotMatch(refused.body, new RegExp(`action="${page}/${id}/refresh"`), 'no refresh for a broken connection');
  assert.match((await operator.get('/console')).body, new RegExp(`<li><a href="${page}">Connection <code>${id}</code></a>`));

  // Forged, and signed out: refused, and the connection stays.
  assert.equal((await operator.post(`${page}/${id}/delete`, { csrf: 'forged', confirm: 'yes' })).statusCode, 403);
  const visitor = new Browser(g);
  assert.equal((await visitor.post(`${page}/${id}/delete`, { csrf: 'x', confirm: 'yes' })).statusCode, 401);
  assert.ok(await g.services.connectors.connections.find(id));

  const confirm = await operator.get(`${page}/${id}/delete`);
  assert.equal(confirm.statusCode, 200);
  assert.match(confirm.body, /are refused at once/);
  assert.match(confirm.body, /Its tokens are revoked at Quirky first\./);
  const deleted = await operator.post(`${page}/${id}/delete`, { csrf: csrfOf(confirm.body), confirm: 'yes' });
  assert.equal(deleted.statusCode, 303);
  assert.equal(await g.services.connectors.connections.find(id), undefined);
  assert.ok(vendor.revokeCalls.length > 0, 'revoked at the vendor');
  assert.match((await operator.get(deleted.headers.location as string)).body, /No connections\./);
  const [event] = await g.services.audit.list({ action: 'connection.deleted' });
  assert.deepEqual([event!.actor, event!.details.connection_id, event!.details.revoked], ['admin-token', id, true]);
  assert.equal((await operator.get(`${page}/${id}/delete`)).statusCode, 404);
});

test('a forged form, a signed-out visitor and an organization member are refused on every page', async () => {
  const [hook] = await g.services.webhooks.subscriptions.list(org.organizationId);
  const page = `${hooks()}/${hook!.id}`;
  const forged = await operator.post(page, { csrf: 'forged', webhook_url: 'https://hooks.example.com/forged', event_types: 'user.added' });
  assert.equal(forged.statusCode, 403);
  assert.equal((await g.services.webhooks.subscriptions.get(org.organizationId, hook!.id)).url, hook!.url);

  const member = new Browser(g);
  assert.equal((await member.login(org.email, org.password)).statusCode, 303);
  const visitor = new Browser(g);
  const pages = [hooks(), page, `${page}/disable`, `${page}/delete`, `${page}/rotate-secret`, `/console/organizations/${org.organizationId}/connections`];
  for (const who of [member, visitor]) {
    for (const url of pages) {
      const res = await who.get(url);
      assert.equal(res.statusCode, 401, url);
      assert.match(res.body, /Sign in to the console/);
    }
    const res = await who.post(`${page}/recover`, { csrf: 'x', since: '2026-01-01T00:00' });
    assert.equal(res.statusCode, 401);
  }
});
