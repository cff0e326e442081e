// Slow bodies: connections that trickle a request body one byte at a time are closed with 408
// once GATEHOUSE_REQUEST_TIMEOUT_MS has passed, instead of being held until the body ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { buildApp } from '../src/app.ts';
import { createTestDatabase, freePort, testConfig } from './helpers.ts';

/**
 * Send a request whose body would take about 30 s to arrive; resolve with the status line it got.
 * The server closes the socket right after its 408 while this side is still dripping, so the
 * kernel may answer a late byte with a reset that discards the unread 408 (RFC 9293 §3.6.1):
 * that is still the server closing at its deadline, and is reported as `reset`.
 */
function trickle(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    let drip: NodeJS.Timeout | undefined;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('POST /oauth/token HTTP/1.1\r\nHost: gatehouse.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngr');
      drip = setInterval(() => socket.write('a'), 300);
    });
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('close', () => {
      clearInterval(drip);
      resolve(answer ? answer.split('\r\n')[0] : 'reset');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
  });
}

test('300 connections trickling a body are answered 408 and closed by the request timeout', async () => {
  const database = await createTestDatabase();
  const g = await buildApp(testConfig({ GATEHOUSE_REQUEST_TIMEOUT_MS: '1000' }, database.url));
  const port = await freePort();
  await g.app.listen({ port, host: '127.0.0.1' });
  try {
    const started = Date.now();
    const statuses = await Promise.all(Array.from({ length: 300 }, () => trickle(port)));
    // The bodies need 30 s to arrive; a 408 (or a close at the deadline) can only come from the timeout.
    assert.ok(Date.now() - started < 15_000, 'every connection is closed long before its body could end');
    const answered = statuses.filter((s) => s !== 'reset');
    assert.deepEqual([...new Set(answered)], ['HTTP/1.1 408 Request Timeout']);
    assert.ok(answered.length >= 270, `most connections read their 408 before the close (${answered.length} of 300)`);
  } finally {
    await g.close();
    await database.drop();
  }
});
