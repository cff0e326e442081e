// `npm run demo` with a port already taken stops at once with one line naming the port and the
// setting to change, as the server itself does, instead of talking to whatever holds the port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from './helpers.ts';

const DEMO = fileURLToPath(new URL('../scripts/demo.ts', import.meta.url));

test('the demo reports a taken port cleanly', async () => {
  const holder = createServer().listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const port = (holder.address() as { port: number }).port;
  try {
    for (const variable of ['GATEHOUSE_PORT', 'EXAMPLE_PORT']) {
      const env = { ...process.env, GATEHOUSE_PORT: String(await freePort()), EXAMPLE_PORT: String(await freePort()), [variable]: String(port) };
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(process.execPath, [DEMO], { env, timeout: 30_000 }, (error, _stdout, stderr) => {
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
        });
      });
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr.trim(), `demo: cannot listen on 127.0.0.1:${port} (EADDRINUSE): set ${variable} to a free port`);
    }
  } finally {
    holder.close();
  }
});
