// Retries under a controlled clock (pg-boss's TestClock drives the queue's timers, its SQL clock
// and the engine's own time): the schedule with its jitter, Retry-After, 410, and the five-day
// rule that disables a subscription with a webhook.disabled event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { TestClock } from 'pg-boss';
import { buildApp } from '../src/app.ts';
import { emit, type EventInput } from '../src/events/outbox.ts';
import type { EventType } from '../src/events/catalog.ts';
import { SCHEDULE_MS } from '../src/webhooks/schedule.ts';
import { createTestDatabase, testConfig, type TestGatehouse } from './helpers.ts';
import { LOOPBACK, eventually, mspSetup, startReceiver, subscribe, type Receiver } from './webhook-helpers.ts';

let g: TestGatehouse;
let clock: TestClock;
let setup: Awaited<ReturnType<typeof mspSetup>>;
const receivers: Receiver[] = [];

before(async () => {
  clock = new TestClock(Date.now());
  const database = await createTestDatabase();
  const built = await buildApp(testConfig(LOOPBACK, database.url), { webhookClock: clock });
  await built.app.ready();
  g = {
    ...built,
    stop: async () => {
      await built.close();
      await database.drop();
    },
  };
  setup = await mspSetup(g);
});
after(async () => {
  await g.stop();
  for (const r of receivers) await r.close();
});

async function receiver(respond: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(respond);
  receivers.push(r);
  return r;
}

async function fire(type: EventType, data: Record<string, unknown> = {}) {
  await g.services.storage.db.transaction().execute((trx) =>
    // Test events carry only the fields a test reads, not every field their type's schema requires.
    emit(trx, { type, organizationId: setup.organizationId, data: { organizationId: setup.organizationId, ...data } as Record<string, unknown> } as EventInput),
  );
}

const delivery = (webhookId: string) =>
  g.services.storage.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('subscription_id', '=', webhookId)
    .orderBy('created_at', 'desc')
    .executeTakeFirstOrThrow();

const subscription = (webhookId: string) =>
  g.services.storage.db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', webhookId).executeTakeFirstOrThrow();

/** Wait until no delivery job is running, so the next jump does not expire one mid-flight. */
async function settled() {
  await eventually(async () => {
    const { rows } = await sql<{ n: string }>`select count(*) as n from pgboss.job where name = 'webhook-delivery' and state = 'active'`.execute(
      g.services.storage.db,
    );
    return Number(rows[0].n) === 0;
  });
}

/** Jump the clock to `at` and let the queue's timers run once. */
async function jumpTo(at: number) {
  await settled();
  await clock.setTime(Math.max(at, clock.now()));
  await clock.tick(1);
}

/** Nudge the queue's timers until `count` requests have arrived. */
async function attempts(r: Receiver, count: number) {
  await eventually(async () => {
    if (r.received.length >= count) return true;
    await clock.tick(2000);
    return false;
  }, 20_000);
}

test('a failing endpoint is retried on the schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, +/-20%), then the delivery fails', async () => {
  const r = await receiver(() => ({ status: 500, body: 'x'.repeat(5000) }));
  const hook = await subscribe(g, setup.auth, { webhook_url: r.url, eventTypes: ['integration.created'] });
  await fire('integration.created', { integrationId: 'i1', vendorId: 'v1' });
  await attempts(r, 1);
  for (let step = 1; step < SCHEDULE_MS.length; step++) {
    const row = await eventually(async () => {
      const d = await delivery(hook.webhook_id);
      return d.attempts === step && d;
    });
    assert.equal(row.status, 'pending');
    const delay = row.next_attempt_at!.getTime() - row.last_attempt_at!.getTime();
    const base = SCHEDULE_MS[step];
    assert.ok(delay >= base * 0.8 - 1 && delay <= base * 1.2 + 1, `step ${step}: ${delay} ms is not ${base} ms +/-20%`);
    // Not a moment early: just before it is due, nothing more arrives.
    await jumpTo(row.next_attempt_at!.getTime() - 1500);
    await clock.tick(1000);
    assert.equal(r.received.length, step, `attempt ${step + 1} came early`);
    await jumpTo(row.next_attempt_at!.getTime());
    await attempts(r, step + 1);
  }
  const last = await eventually(async () => {
    const d = await delivery(hook.webhook_id);
    return d.attempts === SCHEDULE_MS.length && d;
  });
  assert.equal(last.status, 'failed');
  assert.equal(last.next_attempt_at, null);
  assert.equal(new Set(r.received.map((x) => x.headers['webhook-id'])).size, 1, 'the same webhook-id on every attempt');
  const log = (await g.app.inject({ url: `/api/msp/v1/webhooks/${hook.webhook_id}/deliveries`, headers: setup.auth })).json().deliveries;
  assert.equal(log.length, SCHEDULE_MS.length);
  assert.ok(log.every((a: { status_code: number; response_body: string }) => a.status_code === 500 && a.response_body.length === 1024));

  // Five days after the first failure with no success since, the next failure disables it.
  const watcher = await receiver(() => ({ status: 200 }));
  await subscribe(g, setup.auth, { webhook_url: watcher.url, eventTypes: ['webhook.disabled'] });
  const since = (await subscription(hook.webhook_id)).failing_since!.getTime();
  await jumpTo(since + 5 * 86_400_000 + 60_000);
  await fire('integration.created', { integrationId: 'i2', vendorId: 'v1' });
  await attempts(r, SCHEDULE_MS.length + 1);
  const disabled = await eventually(async () => {
    const s = await subscription(hook.webhook_id);
    return s.status === 'disabled' && s;
  });
  assert.equal(disabled.disabled_reason, 'every delivery failed for 5 days');
  await attempts(watcher, 1);
  const event = JSON.parse(watcher.received[0].body);
  assert.equal(event.type, 'webhook.disabled');
  assert.deepEqual(event.data, { organizationId: setup.organizationId, webhookId: hook.webhook_id, reason: 'every delivery failed for 5 days' });
});

test('410 Gone disables the subscription at once, with a webhook.disabled event; nothing more is sent', async () => {
  const r = await receiver(() => ({ status: 410 }));
  const watcher = await receiver(() => ({ status: 204 }));
  const hook = await subscribe(g, setup.auth, { webhook_url: r.url, eventTypes: ['user.added'] });
  await subscribe(g, setup.auth, { webhook_url: watcher.url, eventTypes: ['webhook.disabled'] });
  await fire('user.added', { userId: 'u1', email: 'a@example.com' });
  await attempts(r, 1);
  const s = await eventually(async () => {
    const row = await subscription(hook.webhook_id);
    return row.status === 'disabled' && row;
  });
  assert.equal(s.disabled_reason, 'the endpoint answered 410 Gone');
  assert.equal((await delivery(hook.webhook_id)).status, 'failed');
  await attempts(watcher, 1);
  assert.equal(JSON.parse(watcher.received[0].body).data.webhookId, hook.webhook_id);
  await fire('user.added', { userId: 'u2', email: 'b@example.com' });
  await jumpTo(clock.now() + 3_600_000);
  await clock.tick(5000);
  assert.equal(r.received.length, 1);
  const got = (await g.app.inject({ url: `/api/msp/v1/webhooks/${hook.webhook_id}`, headers: setup.auth })).json();
  assert.equal(got.status, 'disabled');
});

test("Retry-After is honoured as the least wait, within the schedule's longest step", async () => {
  const answers = [
    { status: 503, headers: { 'retry-after': '600' } }, // 10 min instead of 5 s
    { status: 429, headers: { 'retry-after': '99999999' } }, // capped at 10 h (the 5 min step is shorter)
    { status: 503, headers: { 'retry-after': '1' } }, // shorter than the 30 min step: the step wins
    { status: 200 },
  ];
  const r = await receiver((_req, i) => answers[Math.min(i, answers.length - 1)]);
  const hook = await subscribe(g, setup.auth, { webhook_url: r.url, eventTypes: ['token.revoked'] });
  await fire('token.revoked', { clientId: 'c1', reason: 'test' });
  await attempts(r, 1);
  const expected: [number, number][] = [
    [600_000, 600_000],
    [36_000_000, 36_000_000],
    [SCHEDULE_MS[3] * 0.8, SCHEDULE_MS[3] * 1.2],
  ];
  for (const [i, [min, max]] of expected.entries()) {
    const row = await eventually(async () => {
      const d = await delivery(hook.webhook_id);
      return d.attempts === i + 1 && d;
    });
    const delay = row.next_attempt_at!.getTime() - row.last_attempt_at!.getTime();
    assert.ok(delay >= min - 1 && delay <= max + 1, `attempt ${i + 1}: waited ${delay} ms`);
    await jumpTo(row.next_attempt_at!.getTime());
    await attempts(r, i + 2);
  }
  const done = await eventually(async () => {
    const d = await delivery(hook.webhook_id);
    return d.status === 'delivered' && d;
  });
  assert.equal(done.attempts, 4);
  assert.equal((await subscription(hook.webhook_id)).failing_since, null, 'a success clears the failure streak');
});
