// End to end, as a partner sees it: the example vendor page, the Enrol button, a new tab that
// lands on the Gatehouse dashboard showing the organization. The example runs as its own
// process with the packed SDK from its node_modules; Gatehouse listens on a real port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { exampleBesideGatehouse } from './example-app.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.ts';

const ORGANIZATION = 'Wisozk Inc';

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
    const { gatehouse, gatehouseUrl, app } = await exampleBesideGatehouse(t, { PARTNER_NAME: ORGANIZATION });

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
