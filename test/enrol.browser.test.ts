// End to end, as a partner sees it: the example vendor page, the Enrol button, a new tab that
// lands on the Gatehouse dashboard showing the organization. The example runs as its own
// process with the packed SDK from its node_modules; Gatehouse listens on a real port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from '../scripts/pack.ts';
import { installExample, startExample } from './example-app.ts';
import { admin, freePort, startGatehouse } from './helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.ts';

const ORGANIZATION = 'Wisozk Inc';

const run = promisify(execFile);

/** Click Enrol and return the tab it opens, once that tab has left about:blank for Gatehouse. */
async function enrol(context: BrowserContext, page: Page, gatehouseOrigin: string): Promise<Page> {
  const [tab] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Enrol' }).click()]);
  await tab.waitForURL((url) => url.origin === gatehouseOrigin, { timeout: 20_000 });
  return tab;
}

test(
  'Enrol on the example vendor page opens the Gatehouse dashboard in a new tab',
  { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' },
  async (t) => {
    const example = await installExample();
    t.after(() => example.remove());

    // The example type-checks against the declarations the package ships.
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
      PARTNER_NAME: ORGANIZATION,
    });
    t.after(() => app.stop());

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    t.after(() => browser.close());
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(app.url);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Connect to Gatehouse');

    try {
      const dashboard = await enrol(context, page, gatehouseUrl);
      await dashboard.getByText(ORGANIZATION).first().waitFor({ timeout: 10_000 });
      assert.equal(await dashboard.getByRole('heading', { level: 1 }).innerText(), ORGANIZATION);
      // The example also created its external integration (seed 001) and marked it active
      // through the Vendor API with the MSPC_TOKEN.
      const row = dashboard.getByRole('row', { name: /Example Vendor/ });
      assert.match(await row.innerText(), /external\s+active/);
      await page.getByText('Enrolled').waitFor();

      // A second enrolment reuses the stored organization token: one organization, a fresh link.
      const again = await enrol(context, page, gatehouseUrl);
      await again.getByText(ORGANIZATION).first().waitFor({ timeout: 10_000 });
      const organizations = await gatehouse.services.storage.db.selectFrom('organizations').select('id').execute();
      assert.equal(organizations.length, 1);
    } catch (error) {
      t.diagnostic(`example app output:\n${app.output()}`);
      throw error;
    }
  },
);
