// `gatehouse connector templates [--json]` and `gatehouse connector create --template NAME
// [--config FILE]` through the real entry point against a listening server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, admin, startGatehouse, type TestGatehouse } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

let g: TestGatehouse;
let url: string;
let dir: string;

function gatehouse(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { env: { ...process.env, GATEHOUSE_URL: url, GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  g = await startGatehouse();
  await g.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(g.app.server.address() as { port: number }).port}`;
  dir = await mkdtemp(join(tmpdir(), 'gh-templates-'));
});
after(async () => {
  await g.stop();
  await rm(dir, { recursive: true, force: true });
});

test('connector templates: a table of name, title, auth mode and documentation, or JSON', async () => {
  const human = await gatehouse(['connector', 'templates']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^TEMPLATE\s+TITLE\s+AUTH\s+DOCUMENTATION/);
  assert.match(human.stdout, /\nautotask\s+Autotask PSA\s+api_key\s+https:\/\/\S+/);
  assert.match(human.stdout, /\nn-central\s+N-able N-central\s+two_step\s+https:\/\/developer\.n-able\.com\//);
  const json = await gatehouse(['connector', 'templates', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const templates = JSON.parse(json.stdout).templates as { name: string; authMode: string }[];
  assert.ok(templates.length >= 13);
  assert.equal(templates.find((t) => t.name === 'microsoft-graph')?.authMode, 'oauth2');
});

test('connector create --template NAME --config FILE: the file is merged over the template', async () => {
  const file = join(dir, 'pax8.json');
  await writeFile(file, JSON.stringify({ clientId: 'partner-client', clientSecret: 'partner secret', name: 'Pax8 (partner)' }));
  const created = await gatehouse(['connector', 'create', '--template', 'pax8', '--config', file, '--json']);
  assert.equal(created.code, 0, created.stderr);
  const connector = JSON.parse(created.stdout);
  assert.equal(connector.name, 'Pax8 (partner)');
  assert.equal(connector.tokenUrl, 'https://api.pax8.com/v1/token');
  assert.equal(connector.clientId, 'partner-client');
  const stored = await g.app.inject({ method: 'GET', url: `/admin/api/v1/connectors/${connector.connector_id}`, headers: admin });
  assert.equal(stored.json().bodyFormat, 'json');

  const missing = await gatehouse(['connector', 'create', '--template', 'pax8']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /clientId|clientSecret/);
  const unknown = await gatehouse(['connector', 'create', '--template', 'nope']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /"nope" is not a connector template/);
  const basic = await gatehouse(['connector', 'create', '--template', 'huntress']);
  assert.equal(basic.code, 0, basic.stderr);
  assert.match(basic.stdout, /auth_mode: +basic/);
  assert.match(basic.stdout, /documentation: +https:\/\/api\.huntress\.io\/docs/);
  assert.doesNotMatch(basic.stdout, /redirect_uri|token_url/, 'no OAuth fields for a Basic connector');
  const list = await gatehouse(['connector', 'list']);
  assert.match(list.stdout, /^CONNECTOR_ID\s+NAME\s+AUTH\s+API/);
  assert.match(list.stdout, /Huntress\s+basic\s+https:\/\/api\.huntress\.io/);
  assert.match(list.stdout, /Pax8 \(partner\)\s+oauth2 client_credentials\s+https:\/\/api\.pax8\.com/);
  const neither = await gatehouse(['connector', 'create']);
  assert.notEqual(neither.code, 0);
  assert.match(neither.stderr, /--config FILE .* or --template NAME/);
});
