// The proxy within the vendor's limits: a vendor's 429/503 with Retry-After (both of its forms) is
// passed on to the caller, an idempotent call is retried once when the wait is short, a POST never;
// and a connector's rateLimit spreads a connection's calls, queueing briefly and answering 429 past that.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse, type TestGatehouse } from './helpers.ts';
import { LOOPBACK, connectClientCredentials, createConnector, definition, organization, proxy, startVendor, type QuirkyVendor } from './connector-vendors.ts';
import { retryAfterMs } from '../src/net/retry-after.ts';
import { OutboundLimit, slicesOf } from '../src/connectors/proxy/outbound-limit.ts';
import { LimitCounter } from '../src/ops/rate-limit.ts';

let g: TestGatehouse;
let vendor: QuirkyVendor;
/** Per call to the API: what the vendor answers (undefined: the usual echo). */
let script: Array<{ status: number; retryAfter?: string } | undefined> = [];
const seen: Array<{ method: string; at: number }> = [];
before(async () => {
  g = await startGatehouse(LOOPBACK);
  vendor = await startVendor();
  vendor.onApi = (req, res) => {
    seen.push({ method: String(req.method), at: Date.now() });
    const next = script.shift();
    if (!next) return false;
    res.writeHead(next.status, { 'content-type': 'application/json', ...(next.retryAfter ? { 'retry-after': next.retryAfter } : {}) });
    res.end('{"error":"slow down"}');
    return true;
  };
});
after(async () => {
  await g.stop();
  await vendor.close();
});

async function connection(overrides: Record<string, unknown> = {}): Promise<string> {
  const connector = await createConnector(g, definition(vendor, overrides));
  const { organizationId } = await organization(g);
  return (await connectClientCredentials(g, connector, organizationId)).connection_id;
}

function reset(next: typeof script): void {
  script = next;
  seen.length = 0;
}

test('Retry-After: delay-seconds and all three HTTP-date forms (RFC 9110 §10.2.3, §5.6.7); anything else is no advice', () => {
  const now = Date.UTC(1994, 10, 6, 8, 49, 30);
  assert.equal(retryAfterMs('120', now), 120_000);
  assert.equal(retryAfterMs(' 0 ', now), 0);
  assert.equal(retryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', now), 7000);
  assert.equal(retryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', now), 7000);
  assert.equal(retryAfterMs('Sun Nov  6 08:49:37 1994', now), 7000);
  assert.equal(retryAfterMs('Sun, 06 Nov 1994 08:49:00 GMT', now), 0, 'a date already past means now');
  for (const bad of ['-1', '1.5', 'soon', 'Sun, 31 Feb 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 08:49:37 CET', '', '2 s']) {
    assert.equal(retryAfterMs(bad, now), undefined, bad);
  }
  assert.equal(retryAfterMs(['1', '2'], now), undefined, 'two values are no single answer');
  assert.equal(retryAfterMs(undefined, now), undefined);
});

test('a GET answered 429 with Retry-After: 1 is retried once, after the wait, and the caller gets the second answer', async () => {
  const id = await connection();
  reset([{ status: 429, retryAfter: '1' }]);
  const res = await proxy(g, id, '/items');
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(seen.length, 2);
  assert.ok(seen[1].at - seen[0].at >= 950, `waited ${seen[1].at - seen[0].at} ms`);
});

test('a Retry-After date already past (or 0) still waits 100 ms before the one retry', async () => {
  const id = await connection();
  for (const retryAfter of [new Date(Date.now() - 60_000).toUTCString(), '0']) {
    reset([{ status: 503, retryAfter }]);
    const res = await proxy(g, id, '/items');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(seen.length, 2, retryAfter);
    assert.ok(seen[1].at - seen[0].at >= 95, `${retryAfter}: waited ${seen[1].at - seen[0].at} ms`);
  }
});

test('a PUT answered 503 with an HTTP-date about a second away is retried once', async () => {
  const id = await connection();
  reset([{ status: 503, retryAfter: new Date(Date.now() + 1500).toUTCString() }]);
  const res = await proxy(g, id, '/items', { method: 'PUT', payload: '{}', headers: { 'content-type': 'application/json' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(
    seen.map((s) => s.method),
    ['PUT', 'PUT'],
  );
  assert.equal(res.json().body, '{}', 'the retry carried the same body');
});

test('a POST or PATCH answered 429 is never sent again: the caller gets the vendor status and Retry-After', async () => {
  const id = await connection();
  for (const method of ['POST', 'PATCH']) {
    reset([{ status: 429, retryAfter: '1' }]);
    const res = await proxy(g, id, '/items', { method, payload: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.statusCode, 429, method);
    assert.equal(res.headers['retry-after'], '1');
    assert.equal(seen.length, 1, `${method} reached the vendor once`);
  }
});

test('a wait longer than 2 s, a 429 without Retry-After and a second 429 are passed on as the vendor sent them', async () => {
  const id = await connection();
  reset([{ status: 429, retryAfter: '30' }]);
  let res = await proxy(g, id, '/items');
  assert.equal(res.statusCode, 429);
  assert.equal(res.headers['retry-after'], '30');
  assert.equal(seen.length, 1);

  const date = new Date(Date.now() + 60_000).toUTCString();
  reset([{ status: 503, retryAfter: date }]);
  res = await proxy(g, id, '/items', { method: 'DELETE' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.headers['retry-after'], date, 'the HTTP-date form passes through unchanged');
  assert.equal(seen.length, 1);

  reset([{ status: 429 }]);
  res = await proxy(g, id, '/items');
  assert.equal(res.statusCode, 429);
  assert.equal(res.headers['retry-after'], undefined);
  assert.equal(seen.length, 1);

  reset([
    { status: 429, retryAfter: '0' },
    { status: 429, retryAfter: '0' },
  ]);
  res = await proxy(g, id, '/items');
  assert.equal(res.statusCode, 429, 'retried once only');
  assert.equal(seen.length, 2);
});

test('rateLimit spreads a connection calls: over the limit a call waits for the next window', async () => {
  const id = await connection({ rateLimit: { requests: 2, perSeconds: 1 } });
  reset([]);
  const answers = await Promise.all([1, 2, 3].map(() => proxy(g, id, '/items')));
  assert.deepEqual(
    answers.map((a) => a.statusCode),
    [200, 200, 200],
  );
  const times = seen.map((s) => s.at).sort((a, b) => a - b);
  assert.equal(times.length, 3);
  assert.ok(times[2] - times[0] >= 300, 'the third call went in a later window');
  // Another connection of the same connector has its own budget.
  const other = await connection({ rateLimit: { requests: 2, perSeconds: 1 } });
  assert.equal((await proxy(g, other, '/items')).statusCode, 200);
});

test('rateLimit: a call that would wait too long is answered 429 with Retry-After and never reaches the vendor', async () => {
  const id = await connection({ rateLimit: { requests: 1, perSeconds: 60 } });
  reset([]);
  assert.equal((await proxy(g, id, '/items')).statusCode, 200);
  const res = await proxy(g, id, '/items');
  assert.equal(res.statusCode, 429, res.body);
  const wait = Number(res.headers['retry-after']);
  assert.ok(wait > 50 && wait <= 60, `retry-after ${wait}`);
  assert.equal(res.json().error.code, 'rate_limited');
  assert.match(res.json().error.message, /1 times per 60 s/);
  assert.equal(seen.length, 1, 'the vendor saw the first call only');
});

test('the period is sliced so that no interval of perSeconds can hold more than requests calls', () => {
  for (const [requests, perSeconds] of [
    [2, 1],
    [5, 1],
    [60, 60],
    [600, 60],
    [3000, 300],
    [10_000, 3600],
    [1, 60],
  ]) {
    const { windowMs, perWindow } = slicesOf({ requests, perSeconds });
    // An interval of perSeconds overlaps at most ceil(perSeconds / window) + 1 windows.
    const overlapped = Math.ceil((perSeconds * 1000) / windowMs) + 1;
    if (requests > 1) assert.ok(overlapped * perWindow <= requests, `${requests}/${perSeconds}: ${overlapped} x ${perWindow}`);
    assert.ok(perWindow >= 1);
    // and most of the limit is usable: at least half of it, about 90% for large limits.
    const usable = (perWindow * perSeconds * 1000) / windowMs;
    assert.ok(usable >= requests / 2, `${requests}/${perSeconds}: ${usable}`);
  }
  assert.deepEqual(slicesOf({ requests: 600, perSeconds: 60 }), { windowMs: 6000, perWindow: 54 });
});

test('OutboundLimit counts per connection in the shared store (memory here) and queues no longer than it may', async () => {
  const limit = new OutboundLimit(new LimitCounter(undefined, 'test-outbound'), 300);
  const rate = { requests: 1, perSeconds: 1 };
  await limit.acquire('a', rate);
  await limit.acquire('b', rate);
  const started = Date.now();
  await assert.rejects(limit.acquire('a', rate), (error: { status?: number; headers?: Record<string, string> }) => {
    assert.equal(error.status, 429);
    return true;
  });
  assert.ok(Date.now() - started < 200, 'refused at once, not after waiting');
  await limit.acquire('a', null);
});
