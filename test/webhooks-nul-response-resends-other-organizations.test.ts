// A receiver that answers NUL bytes and invalid UTF-8 once failed the shared transaction that
// records delivery results: every delivery finishing in the same batch (other organizations'
// included) was sent again, and the hostile attempt was never logged. Now its excerpt is stored
// with the damage replaced, and each event reaches the well-behaved receiver exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from 'pg-boss';
import { emit } from '../src/events/outbox.ts';
import type { DeliveryJob } from '../src/webhooks/queue.ts';
import { Recorder } from '../src/webhooks/record.ts';
import { load } from '../src/webhooks/worker-deps.ts';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { LOOPBACK, eventually, mspSetup, startReceiver, subscribe, type Receiver } from './webhook-helpers.ts';

const EVENTS = 30;
// A NUL in the middle, a lone continuation byte, an overlong encoding and a truncated sequence.
const HOSTILE_BODIES = [
  Buffer.concat([Buffer.from('ok'), Buffer.from([0x00]), Buffer.from('after nul')]),
  Buffer.from([0x62, 0x61, 0x64, 0x80, 0xc0, 0xaf, 0x00, 0xff, 0xfe, 0xe2, 0x82]),
];

let g: TestGatehouse;
let normal: Receiver;
let hostile: Receiver;

before(async () => {
  g = await startGatehouse(LOOPBACK);
  normal = await startReceiver(() => ({ status: 204 }));
  hostile = await startReceiver((_, i) => ({ status: i % 3 === 2 ? 500 : 200, body: HOSTILE_BODIES[i % 2] }));
});
after(async () => {
  await g.stop();
  await normal.close();
  await hostile.close();
});

test("NUL and invalid UTF-8 from one organization's receiver: the other receives each event once; the hostile attempts are logged, sanitised", async () => {
  const good = await mspSetup(g);
  const bad = await mspSetup(g);
  const goodHook = await subscribe(g, good.auth, { webhook_url: normal.url, eventTypes: ['user.added'] });
  const badHook = await subscribe(g, bad.auth, { webhook_url: hostile.url, eventTypes: ['user.added'] });

  // Both organizations' events in one transaction, so their deliveries run and finish together.
  await g.services.storage.db.transaction().execute(async (trx) => {
    for (let i = 0; i < EVENTS; i++) {
      for (const org of [good.organizationId, bad.organizationId]) {
        await emit(trx, {
          type: 'user.added',
          organizationId: org,
          data: { organizationId: org, userId: `u${i}`, email: `u${i}@example.com`, role: 'member' },
        });
      }
    }
  });
  await g.services.webhooks.dispatchNow();
  await normal.waitFor(EVENTS, 30_000);
  await hostile.waitFor(EVENTS, 30_000);

  // Every hostile attempt is in the log, each delivery finished (the 500s retry later).
  const db = g.services.storage.db;
  const attempts = await eventually(async () => {
    const rows = await db.selectFrom('webhook_attempts').selectAll().where('subscription_id', '=', badHook.webhook_id).execute();
    return rows.length >= EVENTS && rows;
  }, 30_000);
  await eventually(async () => {
    const open = await db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('subscription_id', '=', goodHook.webhook_id)
      .where('status', '!=', 'delivered')
      .execute();
    return open.length === 0;
  }, 30_000);
  // Long enough for a lost result to have expired its job and been sent again, were it lost.
  await sleep(500);

  const ids = normal.received.map((r) => String(r.headers['webhook-id']));
  assert.equal(ids.length, EVENTS, `the normal receiver got ${ids.length} requests for ${EVENTS} events`);
  assert.equal(new Set(ids).size, EVENTS, 'no webhook-id twice');

  for (const a of attempts) {
    assert.ok(a.response_body !== null, 'the excerpt is kept');
    assert.ok(!a.response_body.includes('\0'), 'no NUL stored');
    assert.ok(a.response_body.isWellFormed());
    assert.ok(a.response_body.includes('\uFFFD'), 'the damage shows as U+FFFD');
  }
  const excerpts = new Set(attempts.map((a) => a.response_body));
  assert.ok(excerpts.has('ok\uFFFDafter nul'), [...excerpts].join(' | '));

  // The delivery log API answers the sanitised excerpt.
  const listed = await g.app.inject({ method: 'GET', url: `/api/msp/v1/webhooks/${badHook.webhook_id}/deliveries?limit=500`, headers: bad.auth });
  assert.equal(listed.statusCode, 200, listed.body);
  const logged = listed.json().deliveries as { response_body: string | null }[];
  assert.ok(logged.length >= EVENTS);
  assert.ok(logged.some((d) => d.response_body === 'ok\uFFFDafter nul'));
  // And the admin API sees the same subscription, enabled: a hostile body is not a failure.
  const viaAdmin = await g.app.inject({
    method: 'GET',
    url: `/admin/api/v1/organizations/${bad.organizationId}/webhooks/${badHook.webhook_id}`,
    headers: admin,
  });
  assert.equal(viaAdmin.statusCode, 200, viaAdmin.body);
  assert.equal(viaAdmin.json().status, 'enabled');
});

test('a hostile receiver answering 410 with NUL bytes is disabled, its attempt logged', async () => {
  const org = await mspSetup(g);
  const gone = await startReceiver(() => ({ status: 410, body: Buffer.from([0x67, 0x6f, 0x6e, 0x65, 0x00, 0xff]) }));
  try {
    const hook = await subscribe(g, org.auth, { webhook_url: gone.url, eventTypes: ['user.added'] });
    await g.services.storage.db.transaction().execute((trx) =>
      emit(trx, {
        type: 'user.added',
        organizationId: org.organizationId,
        data: { organizationId: org.organizationId, userId: 'u', email: 'u@example.com', role: 'member' },
      }),
    );
    await g.services.webhooks.dispatchNow();
    const db = g.services.storage.db;
    const subscription = await eventually(async () => {
      const s = await db.selectFrom('webhook_subscriptions').selectAll().where('id', '=', hook.webhook_id).executeTakeFirstOrThrow();
      return s.status === 'disabled' && s;
    }, 30_000);
    assert.match(String(subscription.disabled_reason), /410/);
    const attempt = await db.selectFrom('webhook_attempts').selectAll().where('subscription_id', '=', hook.webhook_id).executeTakeFirstOrThrow();
    assert.equal(attempt.status_code, 410);
    assert.equal(attempt.response_body, 'gone\uFFFD\uFFFD');
    assert.equal(gone.received.length, 1);
  } finally {
    await gone.close();
  }
});

test('a result the database refuses fails only itself: the batch is written again outcome by outcome', async () => {
  // Past the sender's sanitising (as any future field might be): a NUL straight into the batch.
  const db = g.services.storage.db;
  const ids = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .select('d.id')
    .where('s.url', 'in', [normal.url, hostile.url])
    .execute();
  // The rows the worker itself loads for an attempt.
  const rows = (
    await load(
      db,
      ids.map((r) => r.id),
    )
  ).sort((x, y) => x.id.localeCompare(y.id));
  const fine = rows.find((r) => r.url === normal.url)!;
  const refused = rows.find((r) => r.url === hostile.url)!;
  const attemptedAt = Date.parse('2030-01-01T00:00:00Z');
  const result = (body: string) => ({ ok: true, statusCode: 200, durationMs: 1, responseBody: body, error: null, retryAfterMs: undefined });
  const outcome = (row: typeof fine, body: string) => ({
    job: { id: `job-${row.id}`, data: { d: row.id, g: row.generation } } as Job<DeliveryJob>,
    row,
    manual: false,
    attemptedAt,
    result: result(body),
  });
  const completed: string[] = [];
  const errors: unknown[] = [];
  const recorder = new Recorder({
    db,
    enqueue: async () => {},
    random: () => 0.5,
    now: () => attemptedAt,
    complete: async (_trx, jobs) => {
      completed.push(...jobs.map((j) => j.id));
    },
    onError: (error) => errors.push(error),
  });
  await recorder.add([outcome(fine, 'fine'), outcome(refused, 'x\0y')]);

  const logged = await db.selectFrom('webhook_attempts').selectAll().where('attempted_at', '=', new Date(attemptedAt)).execute();
  const of = (row: typeof fine) => logged.find((a) => a.delivery_id === row.id);
  assert.equal(of(fine)?.response_body, 'fine');
  assert.equal(of(refused)?.response_body, null);
  assert.match(String(of(refused)?.error), /refused the response excerpt \(SQLSTATE 22021\)/);
  assert.ok(completed.includes(`job-${fine.id}`) && completed.includes(`job-${refused.id}`));
  assert.ok(
    errors.some((e) => (e as { code?: string }).code === '22021'),
    'the refusal is reported',
  );
});
