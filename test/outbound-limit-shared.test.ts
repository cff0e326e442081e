// A connection's outbound limit across Gatehouse instances: with Redis, two instances count the
// connection's calls in one window (the second instance refuses what the first used up); without
// it, each instance counts alone, which is the documented fallback (proxy/outbound-limit.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Registry } from 'prom-client';
import { createLogger } from '../src/logger.ts';
import { OutboundLimit } from '../src/connectors/proxy/outbound-limit.ts';
import { LimitCounter } from '../src/ops/rate-limit.ts';
import { RedisLink } from '../src/ops/redis.ts';
import { freePort } from './helpers.ts';

let redis: ChildProcess;
const links: RedisLink[] = [];
let url: string;

before(async () => {
  const port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
});
after(async () => {
  for (const link of links) await link.close();
  redis.kill('SIGKILL');
});

async function instance(): Promise<OutboundLimit> {
  const link = new RedisLink(url, createLogger('silent'), new Registry());
  links.push(link);
  const until = Date.now() + 10_000;
  while (!link.up) {
    if (Date.now() > until) throw new Error('Redis did not come up');
    await new Promise((r) => setTimeout(r, 50));
  }
  return new OutboundLimit(new LimitCounter(link, 'connector-outbound'), 200);
}

const refused = (error: { status?: number }) => error.status === 429;

test('two instances sharing Redis share a connection window: together they stay under the limit', async () => {
  const [a, b] = [await instance(), await instance()];
  const rate = { requests: 22, perSeconds: 60 }; // 2 per 6 s slice
  await a.acquire('conn-shared', rate);
  await b.acquire('conn-shared', rate);
  await assert.rejects(a.acquire('conn-shared', rate), refused);
  await assert.rejects(b.acquire('conn-shared', rate), refused);
  await b.acquire('conn-other', rate);
});

test('without a shared store each instance counts alone', async () => {
  const [a, b] = [
    new OutboundLimit(new LimitCounter(undefined, 'connector-outbound'), 200),
    new OutboundLimit(new LimitCounter(undefined, 'connector-outbound'), 200),
  ];
  const rate = { requests: 1, perSeconds: 60 };
  await a.acquire('conn-alone', rate);
  await b.acquire('conn-alone', rate);
  await assert.rejects(a.acquire('conn-alone', rate), refused);
});
