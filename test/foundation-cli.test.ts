// The `gatehouse` command as an operator uses it: start a real server on the embedded default
// (first start prints the admin token), drive it with the CLI, get a token with what the CLI
// printed, then stop it with SIGTERM.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
let dataDir: string;
let server: ChildProcess;
let url: string;
let adminToken: string;
let output = '';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { ...process.env, GATEHOUSE_URL: url, GATEHOUSE_ADMIN_TOKEN: adminToken, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-cli-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const env: Record<string, string | undefined> = { ...process.env, PORT: String(port), HOST: '127.0.0.1', GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_PUBLIC_URL: url, LOG_LEVEL: 'warn' };
  delete env.GATEHOUSE_ADMIN_TOKEN;
  delete env.DATABASE_URL;
  delete env.GATEHOUSE_ENCRYPTION_KEY;
  server = spawn(process.execPath, [MAIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (chunk) => (output += chunk));
  server.stderr!.on('data', (chunk) => (output += chunk));
  for (let i = 0; i < 300 && !/listening on/.test(output); i++) await new Promise((r) => setTimeout(r, 100));
  const match = /GATEHOUSE_ADMIN_TOKEN=(\S+)/.exec(output);
  assert.ok(match, `the first start prints an admin token:\n${output}`);
  adminToken = match[1];
});

after(async () => {
  if (server.exitCode === null) server.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

test('the generated encryption key is written with mode 0600', async () => {
  const info = await stat(path.join(dataDir, 'encryption.key'));
  assert.equal(info.mode & 0o777, 0o600);
  assert.match(output, /generated an encryption key/);
});

test('client commands, human and --json, and a token from what they print', async () => {
  const created = await cli(['client', 'create', '--name', 'Nightly export', '--grant-types', 'client_credentials', '--scopes', 'read write', '--json']);
  assert.equal(created.code, 0, created.stderr);
  const client = JSON.parse(created.stdout);
  assert.ok(client.client_id && client.client_secret);
  assert.deepEqual(client.scopes, ['read', 'write']);

  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=read',
  });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { scope: string }).scope, 'read');

  const list = await cli(['client', 'list']);
  assert.match(list.stdout, /CLIENT_ID\s+NAME/);
  assert.match(list.stdout, new RegExp(client.client_id));
  const got = await cli(['client', 'get', client.client_id]);
  assert.match(got.stdout, /name:\s+Nightly export/);
  assert.doesNotMatch(got.stdout, /client_secret/);
  const updated = await cli(['client', 'update', client.client_id, '--scopes', 'read', '--token-format', 'opaque', '--json']);
  assert.equal(JSON.parse(updated.stdout).token_format, 'opaque');
  const rotated = JSON.parse((await cli(['client', 'rotate-secret', client.client_id, '--json'])).stdout);
  assert.notEqual(rotated.client_secret, client.client_secret);
  const deleted = await cli(['client', 'delete', client.client_id]);
  assert.equal(deleted.code, 0);
  assert.match(deleted.stdout, /deleted client/);
  assert.equal((await cli(['client', 'get', client.client_id])).code, 1);
});

test('the other client options reach the server', async () => {
  const created = await cli(['client', 'create', '--name', 'MSP tool', '--public', '--grant-types', 'authorization_code', '--implicit', '--tenant-scope', '--skip-consent',
    '--redirect-uri', 'https://msp.example/cb', '--redirect-uri', 'https://msp.example/cb2', '--json']);
  assert.equal(created.code, 0, created.stderr);
  const c = JSON.parse(created.stdout);
  assert.equal(c.type, 'public');
  assert.equal(c.client_secret, null);
  assert.equal(c.allow_implicit, true);
  assert.equal(c.tenant_scope, true);
  assert.equal(c.skip_consent, true);
  assert.deepEqual(c.redirect_uris, ['https://msp.example/cb', 'https://msp.example/cb2']);
});

test('keys list and rotate', async () => {
  const before = JSON.parse((await cli(['keys', 'list', '--json'])).stdout).keys;
  assert.deepEqual(before.map((k: { status: string }) => k.status).sort(), ['current', 'next']);
  const human = await cli(['keys', 'rotate']);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /previous/);
  const jwks = (await (await fetch(`${url}/oauth/jwks`)).json()) as { keys: unknown[] };
  assert.equal(jwks.keys.length, 3);
});

test('CLI errors exit non-zero with a clear message', async () => {
  const noToken = await cli(['client', 'list'], { GATEHOUSE_ADMIN_TOKEN: '' });
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /GATEHOUSE_ADMIN_TOKEN is not set/);
  const wrong = await cli(['client', 'list'], { GATEHOUSE_ADMIN_TOKEN: 'wrong-token-0123456789' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /401/);
  const down = await cli(['client', 'list'], { GATEHOUSE_URL: 'http://127.0.0.1:9' });
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot reach Gatehouse/);
  const unknown = await cli(['frobnicate']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unknown command/);
  const missing = await cli(['client', 'create']);
  assert.match(missing.stderr, /--name/);
});

test('a bad configuration value stops start-up naming the variable; migrate works on a fresh data dir', async () => {
  const bad = await cli(['start'], { PORT: 'abc' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /PORT: must be a whole number/);
  const fresh = await mkdtemp(path.join(tmpdir(), 'gatehouse-migrate-'));
  try {
    const env = { GATEHOUSE_DATA_DIR: fresh, DATABASE_URL: '' };
    const first = await cli(['migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied: 001_foundation/);
    assert.match((await cli(['migrate'], env)).stdout, /up to date/);
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
});

test('SIGTERM shuts down gracefully', async () => {
  const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
  server.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 10_000))]);
  assert.equal(code, 0);
});
