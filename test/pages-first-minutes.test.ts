// The first minutes of a person's visit: GET / is a page (or their dashboard), every error page
// has the site's layout and a way forward, the site has an icon, times read as a person says
// them, and the API documentation is Gatehouse's and loads without a CSP refusal.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse, type TestGatehouse } from './helpers.ts';
import { Browser, tenant } from './interactive-helpers.ts';
import { when } from '../src/ui/layout.ts';
import { errorPage } from '../src/ui/error-page.ts';

let g: TestGatehouse;
before(async () => {
  g = await startGatehouse();
});
after(() => g.stop());

const html = { accept: 'text/html,application/xhtml+xml' };

test('GET / shows what this server is to a visitor, and sends a signed-in person to the dashboard', async () => {
  const visitor = await g.app.inject({ method: 'GET', url: '/', headers: html });
  assert.equal(visitor.statusCode, 200);
  assert.match(visitor.headers['content-type'] as string, /text\/html/);
  for (const link of ['href="/login"', 'href="/docs"', 'href="/healthz"', 'href="/readyz"', 'rel="icon"']) assert.ok(visitor.body.includes(link), link);
  const t = await tenant(g);
  const browser = new Browser(g);
  assert.equal((await browser.login(t.email, t.password)).statusCode, 303);
  const signedIn = await browser.get('/');
  assert.equal(signedIn.statusCode, 303);
  assert.equal(signedIn.headers.location, '/dashboard');
});

test('error pages use the layout and say what to do next, for every status a page can answer', async () => {
  for (const status of [400, 401, 403, 404, 410, 429, 500, 503]) {
    const body = errorPage(status, `reason ${status}`);
    assert.match(body, /<header><a class="brand" href="\/">Gatehouse<\/a><\/header>/, `${status} has the layout`);
    assert.ok(body.includes(`(${status})`) && body.includes(`reason ${status}`), `${status} names the status and the reason`);
    assert.match(body, /<a href="\/(login|dashboard|)">/, `${status} links somewhere useful`);
  }
  // Real answers: an unknown path asked for by a browser, the dashboard signed out, a spent link.
  const missing = await g.app.inject({ method: 'GET', url: '/no-such-page', headers: html });
  assert.equal(missing.statusCode, 404);
  assert.match(missing.body, /Page not found/);
  assert.match(missing.body, /href="\/dashboard"/);
  const api = await g.app.inject({ method: 'GET', url: '/no-such-page' });
  assert.equal(api.statusCode, 404);
  assert.equal(api.json().error.code, 'not_found', 'API callers still get JSON');
  const adminMissing = await g.app.inject({ method: 'GET', url: '/admin/api/v1/nothing', headers: html });
  assert.equal(adminMissing.json().error.code, 'not_found', 'API paths answer JSON even to a browser');
  const signedOut = await g.app.inject({ method: 'GET', url: '/dashboard', headers: html });
  assert.equal(signedOut.statusCode, 401);
  assert.match(signedOut.body, /href="\/login\?return_to=%2Fdashboard"/);
  const spent = await g.app.inject({ method: 'GET', url: '/password/set/not-a-real-token', headers: html });
  assert.ok(spent.statusCode >= 400 && spent.statusCode < 500, String(spent.statusCode));
  assert.match(spent.body, /<header>/);
});

test('the site icon is served', async () => {
  for (const url of ['/favicon.ico', '/favicon.svg']) {
    const res = await g.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, url);
    assert.equal(res.headers['content-type'], 'image/svg+xml');
    assert.match(res.body, /^<svg /);
  }
});

test('times read as a person says them, with the exact time on hover', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  const at = (offsetMs: number) => when(new Date(now + offsetMs), now).value;
  assert.match(at(-10_000), />just now</);
  assert.match(at(-3 * 60_000), />3 minutes ago</);
  assert.match(at(-60 * 60_000), />1 hour ago</);
  assert.match(at(-2 * 86_400_000), />2 days ago</);
  assert.match(at(5 * 60_000), />in 5 minutes</);
  assert.match(at(-3 * 60_000), /datetime="2026-12-02T11:57:00.000Z" title="2026-12-02 11:57:00 UTC"/);
  assert.equal(when(null, now).value, 'never');
});

test("the API documentation is titled as Gatehouse's and its policy lets its styles apply", async () => {
  let page = await g.app.inject({ method: 'GET', url: '/docs' });
  for (let hops = 0; page.statusCode === 302 && hops < 3; hops++) {
    page = await g.app.inject({ method: 'GET', url: new URL(String(page.headers.location), 'http://x/docs/').pathname });
  }
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<title>Gatehouse API documentation<\/title>/);
  const csp = String(page.headers['content-security-policy']);
  assert.match(csp, /style-src [^;]*'unsafe-inline'/);
  assert.match(csp, /script-src 'self'\s*;/, 'scripts stay limited to its own files');
  assert.match(csp, /frame-ancestors 'none'/);
  const doc = (await g.app.inject({ method: 'GET', url: '/docs/json' })).json();
  assert.equal(doc.info.title, 'Gatehouse API');
  assert.match(doc.info.description, /integration identity hub/);
  // Realistic request examples, not what a generator makes of a pattern ("email": "w").
  const example = doc.paths['/api/oem-api/organization'].post.requestBody.content['application/json'].example;
  assert.equal(example.data.email, 'ansley@wisozk.example');
  assert.equal(example.grantType, 'client_credentials');
});
