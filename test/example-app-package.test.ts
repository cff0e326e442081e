// The example vendor app as a vendor would build it: @gatehouse/client installed from its packed
// tarball (a file: dependency), nothing of the server's, type-checked against the shipped
// declarations, and an enrolment through its endpoint against a real Gatehouse. The browser
// test drives the same app through its page when Chromium is at hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { exampleBesideGatehouse } from './example-app.ts';

const run = promisify(execFile);

test('the example app installs @gatehouse/client from its tarball, type-checks, and enrols a partner', async (t) => {
  const { dir, gatehouse, gatehouseUrl, vendor, app } = await exampleBesideGatehouse(t);
  const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
  assert.deepEqual(manifest.dependencies, { '@gatehouse/client': 'file:.packed/gatehouse-client.tgz' });
  const ls = JSON.parse((await run('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: dir, shell: process.platform === 'win32' })).stdout);
  assert.deepEqual(Object.keys(ls.dependencies), ['@gatehouse/client']);
  assert.equal(ls.dependencies['@gatehouse/client'].dependencies, undefined, 'the SDK brings nothing with it');

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
