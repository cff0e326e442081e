// Webhook delivery end to end: events written by real changes (and every catalog type) reach a
// real receiver on loopback, signed so that the official standardwebhooks library verifies them
// and rejects a tampered body or a stale timestamp; the outbox holds no event for a rolled-back
// change; rotation signs with both secrets; the static auth header is sent; the catalog is in
// the OpenAPI document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { EVENT_TYPES, type EventType } from '../src/events/catalog.ts';
import { emit, type EventInput } from '../src/events/outbox.ts';
import { startGatehouse, type TestGatehouse } from './helpers.ts';
import { createExternalIntegration, credentials } from './oem-helpers.ts';
import { LOOPBACK, eventually, mspSetup, startReceiver, subscribe, type Receiver } from './webhook-helpers.ts';

let g: TestGatehouse;
let receiver: Receiver;
let setup: Awaited<ReturnType<typeof mspSetup>>;

before(async () => {
  g = await startGatehouse(LOOPBACK);
  receiver = await startReceiver();
  setup = await mspSetup(g);
});
after(async () => {
  await g.stop();
  await receiver.close();
});

const headersOf = (r: { headers: Record<string, unknown> }) => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

test('events from real changes arrive signed; standardwebhooks verifies them and rejects tampering and stale timestamps', async () => {
  receiver.received.length = 0;
  const hook = await subscribe(g, setup.auth, {
    webhook_url: receiver.url,
    eventTypes: ['session.created', 'integration.created'],
    auth_header: 'X-Api-Key',
    auth_header_value: 'k-123',
  });
  assert.equal(hook.status, 'enabled');
  assert.match(hook.secret, /^whsec_[A-Za-z0-9+/=]+$/);

  const session = await g.app.inject({
    method: 'POST',
    url: '/api/oem-api/organization/session',
    payload: { ...credentials(setup.vendor), organizationOemToken: setup.organizationOemToken },
  });
  assert.equal(session.statusCode, 201, session.body);
  const integration = await createExternalIntegration(g, setup.vendor, setup.organizationId);
  const got = await receiver.waitFor(2);
  const types = got.map((r): string => JSON.parse(r.body).type).sort();
  assert.deepEqual(types, ['integration.created', 'session.created']);

  const wh = new Webhook(hook.secret);
  for (const r of got) {
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['x-api-key'], 'k-123');
    assert.match(String(r.headers['webhook-signature']), /^v1,[A-Za-z0-9+/=]+$/);
    const payload = wh.verify(r.body, headersOf(r)) as { type: string; timestamp: string; data: Record<string, unknown> };
    assert.deepEqual(Object.keys(payload), ['type', 'timestamp', 'data']);
    assert.equal(payload.data.organizationId, setup.organizationId);
    assert.throws(() => wh.verify(r.body.replace(setup.organizationId, 'someone-else'), headersOf(r)), WebhookVerificationError);
    const stale = String(Math.floor(Date.now() / 1000) - 3600);
    assert.throws(() => wh.verify(r.body, { ...headersOf(r), 'webhook-timestamp': stale }), WebhookVerificationError);
    assert.throws(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(r.body, headersOf(r)), WebhookVerificationError);
  }
  const created = got.find((r) => JSON.parse(r.body).type === 'integration.created')!;
  assert.equal(JSON.parse(created.body).data.integrationId, integration.integration.id);
  await g.app.inject({ method: 'DELETE', url: `/api/msp/v1/webhooks/${hook.webhook_id}`, headers: setup.auth });
});

test('a real receiver on loopback gets every event type of the catalog, each once', async () => {
  receiver.received.length = 0;
  const all = Object.keys(EVENT_TYPES) as EventType[];
  const hook = await subscribe(g, setup.auth, { webhook_url: receiver.url, event_types: all });
  await g.services.storage.db.transaction().execute(async (trx) => {
    // A probe of every type, not the catalog's payloads: only the routing by type is under test.
    for (const type of all)
      await emit(trx, {
        type,
        organizationId: setup.organizationId,
        data: { organizationId: setup.organizationId, probe: type } as Record<string, unknown>,
      } as EventInput);
  });
  const got = await receiver.waitFor(all.length);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(receiver.received.length, all.length, 'no duplicates');
  assert.deepEqual(got.map((r): string => JSON.parse(r.body).type).sort(), [...all].sort());
  const wh = new Webhook(hook.secret);
  for (const r of got) wh.verify(r.body, headersOf(r));
  assert.equal(new Set(got.map((r) => r.headers['webhook-id'])).size, all.length, 'one webhook-id per event');
  await g.app.inject({ method: 'DELETE', url: `/api/msp/v1/webhooks/${hook.webhook_id}`, headers: setup.auth });
});

test('a rolled-back change leaves no event in the outbox, and nothing is delivered', async () => {
  receiver.received.length = 0;
  await subscribe(g, setup.auth, { webhook_url: receiver.url, eventTypes: ['user.added'] });
  const db = g.services.storage.db;
  const count = async () =>
    Number(
      (
        await db
          .selectFrom('outbox_events')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const before = await count();
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await emit(trx, {
        type: 'user.added',
        organizationId: setup.organizationId,
        data: { organizationId: setup.organizationId, userId: 'u', email: 'x@example.com', role: 'member' },
      });
      throw new Error('the change fails after its event was written');
    }),
    /the change fails/,
  );
  assert.equal(await count(), before);
  // A duplicate organization is refused by a constraint after nothing else was written: no event either.
  const dup = await g.app.inject({
    method: 'POST',
    url: '/api/oem-api/organization',
    payload: {
      ...credentials(setup.vendor),
      data: { name: 'Dup', email: 'dup@example.com', vendorOrganizationId: (await g.services.organizations.get(setup.organizationId)).vendor_organization_id },
    },
  });
  assert.equal(dup.statusCode, 409);
  assert.equal(await count(), before);
  await g.services.webhooks.dispatchNow();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(receiver.received.length, 0);
});

test('a rotated secret: both secrets sign for the overlap; the receiver holding either verifies', async () => {
  receiver.received.length = 0;
  const hook = await subscribe(g, setup.auth, { webhook_url: receiver.url, eventTypes: ['integration.status_changed'] });
  const rotated = await g.app.inject({ method: 'POST', url: `/api/msp/v1/webhooks/${hook.webhook_id}/rotate-secret`, headers: setup.auth });
  assert.equal(rotated.statusCode, 200);
  const { secret, previous_secret_expires_at } = rotated.json();
  assert.notEqual(secret, hook.secret);
  const overlap = Date.parse(previous_secret_expires_at) - Date.now();
  assert.ok(overlap > 23.9 * 3600_000 && overlap <= 24 * 3600_000, `overlap ${overlap}`);
  await g.services.storage.db.transaction().execute((trx) =>
    emit(trx, {
      type: 'integration.status_changed',
      organizationId: setup.organizationId,
      data: { organizationId: setup.organizationId, integrationId: 'i', to: 'active' },
    }),
  );
  const [r] = await receiver.waitFor(1);
  assert.equal(String(r.headers['webhook-signature']).split(' ').length, 2);
  new Webhook(secret).verify(r.body, headersOf(r));
  new Webhook(hook.secret).verify(r.body, headersOf(r));
  const log = await eventually(async () => {
    const res = await g.app.inject({ url: `/api/msp/v1/webhooks/${hook.webhook_id}/deliveries`, headers: setup.auth });
    return res.json().deliveries.length > 0 && res.json().deliveries;
  });
  assert.equal(log[0].status_code, 204);
  assert.equal(log[0].delivery_status, 'delivered');
  assert.equal(log[0].event_id, r.headers['webhook-id']);
});

test('the event catalog is in the OpenAPI document: one webhook per type with its payload schema', async () => {
  const doc = (await g.app.inject({ url: '/docs/json' })).json();
  for (const [type, data] of Object.entries(EVENT_TYPES)) {
    const schema = doc.components.schemas[`Event.${type}`];
    assert.deepEqual(schema.required, ['type', 'timestamp', 'data'], type);
    assert.deepEqual(schema.properties.data, JSON.parse(JSON.stringify(data)), type);
    assert.equal(doc.webhooks[type].post.requestBody.content['application/json'].schema.$ref, `#/components/schemas/Event.${type}`);
  }
  assert.ok(doc.paths['/api/msp/v1/webhooks'].post);
  assert.deepEqual(doc.paths['/api/msp/v1/webhooks'].post.security, [{ mspToken: [] }]);
  const created = doc.paths['/api/msp/v1/webhooks'].post.requestBody.content['application/json'].schema;
  assert.deepEqual(created.properties.eventTypes.items.enum, Object.keys(EVENT_TYPES));
});
