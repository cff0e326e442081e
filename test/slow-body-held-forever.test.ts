// Slow bodies: connections that trickle a request body one byte at a time are closed with 408
// once GATEHOUSE_REQUEST_TIMEOUT_MS has passed, instead of being held until the body ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { buildApp } from '../src/app.ts';
import { createTestDatabase, freePort, testConfig } from './helpers.ts';

/** Send a request whose body would take about 30 s to arrive; resolve with the status line it got. */
function trickle(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('POST /oauth/token HTTP/1.1\r\nHost: gatehouse.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngr');
      const drip = setInterval(() => socket.write('a'), 300);
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk));
      socket.on('close', () => {
        clearInterval(drip);
        resolve(answer.split('\r\n')[0]);
      });
    });
    socket.on('error', reject);
  });
}

test('300 connections trickling a body are answered 408 and closed by the request timeout', async () => {
  const database = await createTestDatabase();
  const g = await buildApp(testConfig({ GATEHOUSE_REQUEST_TIMEOUT_MS: '1000' }, database.url));
  const port = await freePort();
  await g.app.listen({ port, host: '127.0.0.1' });
  try {
    const statuses = await Promise.all(Array.from({ length: 300 }, () => trickle(port)));
    // The bodies need 30 s to arrive; a 408 can only come from the deadline.
    assert.deepEqual([...new Set(statuses)], ['HTTP/1.1 408 Request Timeout']);
  } finally {
    await g.close();
    await database.drop();
  }
});
