// The example vendor app as a vendor would build it: @gatehouse/client installed from its packed
// tarball (a file: dependency), nothing of the server's, type-checked against the shipped
// declarations, and an enrolment through its endpoint against a real Gatehouse. The browser
// test drives the same app through its page when Chromium is at hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../scripts/pack.ts';
import { installExample, startExample } from './example-app.ts';
import { admin, freePort, startGatehouse } from './helpers.ts';

const run = promisify(execFile);

test('the example app installs @gatehouse/client from its tarball, type-checks, and enrols a partner', async (t) => {
  const example = await installExample();
  t.after(() => example.remove());
  const manifest = JSON.parse(await readFile(path.join(example.dir, 'package.json'), 'utf8'));
  assert.deepEqual(manifest.dependencies, { '@gatehouse/client': 'file:.packed/gatehouse-client.tgz' });
  const ls = JSON.parse((await run('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: example.dir, shell: process.platform === 'win32' })).stdout);
  assert.deepEqual(Object.keys(ls.dependencies), ['@gatehouse/client']);
  assert.equal(ls.dependencies['@gatehouse/client'].dependencies, undefined, 'the SDK brings nothing with it');

  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const check = await run(process.execPath, [tsc, '-p', example.dir, '--typeRoots', path.join(ROOT, 'node_modules', '@types')]).catch(
    (error: { stdout: string }) => error,
  );
  assert.equal(check.stdout, '', 'the example type-checks');

  const port = await freePort();
  const gatehouseUrl = `http://127.0.0.1:${port}`;
  const gatehouse = await startGatehouse({ GATEHOUSE_PUBLIC_URL: gatehouseUrl });
  t.after(() => gatehouse.stop());
  await gatehouse.app.listen({ port, host: '127.0.0.1' });
  const created = await gatehouse.app.inject({ method: 'POST', url: '/admin/api/v1/vendors', headers: admin, payload: { name: 'Example Vendor' } });
  assert.equal(created.statusCode, 201, created.body);
  const vendor = created.json();

  const state = await mkdtemp(path.join(tmpdir(), 'gatehouse-example-state-'));
  t.after(() => rm(state, { recursive: true, force: true }));
  const app = await startExample(example.dir, {
    GATEHOUSE_URL: gatehouseUrl,
    GATEHOUSE_CLIENT_ID: vendor.client_id,
    GATEHOUSE_CLIENT_SECRET: vendor.client_secret,
    GATEHOUSE_VENDOR_ID: vendor.vendor_id,
    GATEHOUSE_VENDOR_API_KEY: vendor.vendor_api_key,
    STATE_FILE: path.join(state, 'enrolments.json'),
  });
  t.after(() => app.stop());

  const enrol = () =>
    fetch(new URL('/enrol', app.url), { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' }, body: '{}' });
  const first = await enrol();
  assert.equal(first.status, 200, `${await first.clone().text()}\n${app.output()}`);
  const { redirectUrl } = (await first.json()) as { redirectUrl: string };
  assert.ok(redirectUrl.startsWith(`${gatehouseUrl}/`), redirectUrl);
  // The organization, its external integration (seed 001) marked active through the Vendor API.
  const integrations = await gatehouse.services.storage.db.selectFrom('integrations').select(['status', 'vendor_id']).execute();
  assert.deepEqual(integrations, [{ status: 'active', vendor_id: vendor.vendor_id }]);
  // A second enrolment reuses the stored token: still one organization, a fresh link.
  const second = await enrol();
  assert.equal(second.status, 200);
  assert.notEqual(((await second.json()) as { redirectUrl: string }).redirectUrl, redirectUrl);
  assert.equal((await gatehouse.services.storage.db.selectFrom('organizations').select('id').execute()).length, 1);
});
