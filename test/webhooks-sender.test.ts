// One delivery attempt on its own: the total timeout, redirects not followed, the SSRF guard at
// connect time (a host name that resolves to loopback), the response body truncated, Retry-After,
// and the retry schedule's arithmetic.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { addressPolicy } from '../src/net/address-policy.ts';
import { createAgent } from '../src/net/outbound.ts';
import { retryAfterMs as parseRetryAfter } from '../src/net/retry-after.ts';
import { SCHEDULE_MS, nextDelay } from '../src/webhooks/schedule.ts';
import { RESPONSE_BODY_LIMIT, createSender } from '../src/webhooks/sender.ts';
import { generateSecret } from '../src/webhooks/signature.ts';
import { startReceiver, type Receiver } from './webhook-helpers.ts';

const receivers: Receiver[] = [];
after(async () => {
  for (const r of receivers) await r.close();
});

const secret = generateSecret();
const message = (url: string) => ({
  url,
  webhookId: 'evt_test',
  body: '{"type":"user.added","timestamp":"2026-01-01T00:00:00.000Z","data":{}}',
  secrets: [secret],
});
const open = createAgent(addressPolicy(['127.0.0.0/8']));

async function receiver(respond: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(respond);
  receivers.push(r);
  return r;
}

test('a receiver that does not answer in time: the attempt fails at the deadline', async () => {
  const r = await receiver(() => new Promise(() => {}));
  const send = createSender(open, { timeoutMs: 300, now: Date.now });
  const started = Date.now();
  const result = await send(message(r.url));
  const took = Date.now() - started;
  assert.equal(result.ok, false);
  assert.equal(result.statusCode, null);
  assert.match(result.error!, /timed out after 300 ms/);
  assert.ok(took >= 280 && took < 2000, `took ${took} ms`);
});

test('a redirect is a failure and is not followed', async () => {
  const elsewhere = await receiver(() => ({ status: 200 }));
  const r = await receiver(() => ({ status: 307, headers: { location: elsewhere.url } }));
  const result = await createSender(open, { timeoutMs: 2000, now: Date.now })(message(r.url));
  assert.equal(result.ok, false);
  assert.equal(result.statusCode, 307);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(elsewhere.received.length, 0);
});

test('connect-time SSRF guard: a host name that resolves to loopback is refused unless the operator opened it', async () => {
  const r = await receiver(() => ({ status: 200 }));
  const url = r.url.replace('127.0.0.1', 'localhost');
  const closed = await createSender(createAgent(addressPolicy([])), { timeoutMs: 2000, now: Date.now })(message(url));
  assert.equal(closed.ok, false);
  assert.match(closed.error!, /loopback|private/);
  assert.equal(r.received.length, 0);
});

test('2xx is success; the body is cut to 1 KiB; Retry-After is read; the signature verifies', async () => {
  const r = await receiver((_req, i) => (i === 0 ? { status: 202, body: 'y'.repeat(5000) } : { status: 503, headers: { 'retry-after': '120' } }));
  const send = createSender(open, { timeoutMs: 2000, now: Date.now });
  const ok = await send(message(r.url));
  assert.equal(ok.ok, true);
  assert.equal(ok.responseBody!.length, RESPONSE_BODY_LIMIT);
  const busy = await send(message(r.url));
  assert.equal(busy.ok, false);
  assert.equal(busy.retryAfterMs, 120_000);
  const [first] = r.received;
  new Webhook(secret).verify(first.body, {
    'webhook-id': String(first.headers['webhook-id']),
    'webhook-timestamp': String(first.headers['webhook-timestamp']),
    'webhook-signature': String(first.headers['webhook-signature']),
  });
});

test('Retry-After as seconds or an HTTP-date (RFC 9110 §10.2.3); the schedule and its jitter bounds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(parseRetryAfter('30', now), 30_000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:02:00 GMT', now), 120_000);
  assert.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(undefined, now), undefined);
  assert.deepEqual(
    SCHEDULE_MS.map((ms) => ms / 1000),
    [0, 5, 300, 1800, 7200, 18000, 36000, 36000],
  );
  assert.equal(nextDelay(1, 0), 4000);
  assert.equal(nextDelay(1, 1), 6000);
  assert.equal(nextDelay(SCHEDULE_MS.length, 0.5), undefined);
  assert.equal(nextDelay(1, 0.5, 60_000), 60_000);
  assert.equal(nextDelay(7, 0.5, 999 * 3600_000), 36_000_000);
});
