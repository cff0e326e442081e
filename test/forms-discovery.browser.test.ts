// Every form a person can reach, submitted the way a person does, in a real Chromium. For each
// kind of visitor (signed out, each organization role) the test walks the pages from a few
// starting points by following links, finds every <form> on them, fills each field from its type
// and name, presses its submit buttons one at a time and fails on any 4xx or 5xx answer or any
// error page. Nothing lists the forms: a page or form added later is covered without anyone
// touching this file. (A hidden `username` field once broke every password form while every
// other test passed, because none of them submitted the forms.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser, type BrowserContext, type Page, type Response } from 'playwright-core';
import { ADMIN_TOKEN, admin, basic, freePort, startGatehouse, type TestGatehouse } from './helpers.ts';
import { codeClient, codeFor, PASSWORD, tenant } from './interactive-helpers.ts';
import { LOOPBACK, eventually } from './webhook-helpers.ts';
import { emit } from '../src/events/outbox.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.ts';

// Pages that are not Gatehouse's own forms (API documentation, machine endpoints).
const NOT_PAGES = /^\/(docs|metrics|healthz|readyz|\.well-known|oauth\/jwks|favicon|api\/|admin\/api\/)/;
// Error pages a person can land on: their titles (see src/ui/error-page.ts).
const ERROR_TITLES =
  /^(This request could not be used|Not signed in|Not allowed|Page not found|This link is no longer valid|Too much data|Too many requests|Temporarily unavailable|Something went wrong)/;
// Submitted last, since they end what later forms need (the session, a subscription, a grant),
// or make their own page go away (a consent once allowed is not asked again). Setting a password
// comes after everything, since it also ends the person's tokens and grants; a form that only makes
// a set-password link sets nothing, and goes before the removal of the user it is for.
const ENDS_SOMETHING = /logout|sign out|revoke|delete|remove|disconnect|disable|\[allow\]/i;

interface Persona {
  name: string;
  email?: string;
  password?: string;
  /** Signs in to the operator console with the admin token instead. */
  consoleToken?: boolean;
  starts: string[];
}

interface FoundForm {
  page: string;
  index: number;
  action: string;
  buttons: string[];
  label: string;
}

/** A server of the test standing in for every outside site: receivers, redirect URIs, launch targets. */
async function startOutside(): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    // A vendor's token endpoint, for the organization's connection.
    if (req.url === '/token')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"vendor-token","token_type":"Bearer","expires_in":3600}');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Outside</title><h1>Outside</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

test('every reachable form submits cleanly for every kind of visitor', { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' }, async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const g: TestGatehouse = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin, ...LOOPBACK });
  t.after(() => g.stop());
  await g.app.listen({ port, host: '127.0.0.1' });
  const outside = await startOutside();
  t.after(() => new Promise<void>((resolve) => outside.server.close(() => resolve())));

  // An organization with something in every section: a webhook subscription with a delivery in
  // its log, an app tile and an app the owner authorised, a connection and a connector to
  // connect (by link and by the connect form), a code client to consent to, and a one-time
  // password link.
  const owner = await tenant(g);
  const hook = await g.app.inject({
    method: 'POST',
    url: `/admin/api/v1/organizations/${owner.organizationId}/webhooks`,
    headers: admin,
    payload: { webhook_url: `${outside.origin}/hooks`, eventTypes: ['user.removed'] },
  });
  assert.equal(hook.statusCode, 201, hook.body);
  await g.services.storage.db
    .transaction()
    .execute((trx) =>
      emit(trx, { type: 'user.removed', organizationId: owner.organizationId, data: { organizationId: owner.organizationId, userId: 'gone' } }),
    );
  await eventually(async () => (await g.services.webhooks.deliveries.attempts(hook.json().webhook_id, { limit: 1 })).length > 0);
  const app = await codeClient(g, {
    name: 'Partner Platform',
    redirect_uris: [`${outside.origin}/cb`],
    post_logout_redirect_uris: [`${outside.origin}/signed-out`],
    launch_url: `${outside.origin}/launch`,
  });
  const authorised = await codeClient(g, { name: 'Reporting Tool', redirect_uris: [`${outside.origin}/cb`] });
  const grant = await codeFor(g, owner, authorised, { redirect_uri: `${outside.origin}/cb` });
  const exchanged = await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: basic(authorised.client_id, authorised.client_secret) },
    payload: {
      grant_type: 'authorization_code',
      code: grant.code,
      code_verifier: grant.verifier,
      redirect_uri: `${outside.origin}/cb`,
    },
  });
  assert.equal(exchanged.statusCode, 200, exchanged.body);
  const connector = async (definition: Record<string, unknown>) => {
    const res = await g.app.inject({
      method: 'POST',
      url: '/admin/api/v1/connectors',
      headers: admin,
      payload: {
        tokenUrl: `${outside.origin}/token`,
        clientId: 'gatehouse',
        clientSecret: 'vendor-secret',
        apiBaseUrl: `${outside.origin}/api`,
        ...definition,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as { connector_id: string };
  };
  const machine = await connector({ name: 'Backup Console', grantType: 'client_credentials' });
  await connector({ name: 'Ticketing', grantType: 'authorization_code', authUrl: `${outside.origin}/authorize` });
  // Connectors connected with the connect form: one with a key and settings of every kind (on
  // the dashboard), and an OAuth one that asks for a tenant before the browser goes to the vendor.
  for (const payload of [
    {
      name: 'Remote Monitoring',
      authMode: 'api_key',
      apiBaseUrl: `${outside.origin}/api`,
      connectionConfig: [
        { name: 'account', title: 'Account', type: 'string' },
        { name: 'region', title: 'Region', type: 'string', enum: ['eu', 'us'], default: 'eu' },
        { name: 'sandbox', title: 'Sandbox', type: 'boolean' },
        { name: 'pageSize', title: 'Page size', type: 'number', default: 25 },
      ],
      credentials: [{ name: 'apiKey', title: 'API key' }],
      proxyHeaders: { 'X-Api-Key': '${credentials.apiKey}' },
      verify: { method: 'GET', path: '/ping' },
    },
    {
      name: 'Directory',
      grantType: 'authorization_code',
      authUrl: `${outside.origin}/authorize/\${connectionConfig.tenant}`,
      tokenUrl: `${outside.origin}/token`,
      clientId: 'gatehouse',
      clientSecret: 'vendor-secret',
      apiBaseUrl: `${outside.origin}/api`,
      connectionConfig: [{ name: 'tenant', title: 'Tenant', type: 'string' }],
    },
  ]) {
    const res = await g.app.inject({ method: 'POST', url: '/admin/api/v1/connectors', headers: admin, payload });
    assert.equal(res.statusCode, 201, res.body);
  }
  const connected = await g.app.inject({
    method: 'POST',
    url: '/admin/api/v1/connections',
    headers: admin,
    payload: { connector_id: machine.connector_id, organization_id: owner.organizationId },
  });
  assert.equal(connected.statusCode, 201, connected.body);
  const authorize = `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: `${outside.origin}/cb`, scope: 'read', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).toString()}`;
  // The partner's sign-out link, without an id_token_hint: a signed-in person is asked first.
  const endSession = `/oauth/end-session?${new URLSearchParams({ client_id: app.client_id, post_logout_redirect_uri: `${outside.origin}/signed-out`, state: 's' }).toString()}`;
  const link = await g.app.inject({ method: 'POST', url: `/admin/api/v1/users/${owner.userId}/password-link`, headers: admin });
  assert.equal(link.statusCode, 201, link.body);
  const passwordLink = new URL(link.json().url).pathname;

  // The organization's team: an admin and a member beside the owner, each with a password.
  const teammate = async (role: 'admin' | 'member'): Promise<Persona> => {
    const email = `${role}@team.example`;
    const res = await g.app.inject({
      method: 'POST',
      url: `/admin/api/v1/organizations/${owner.organizationId}/users`,
      headers: admin,
      payload: { email, first_name: 'Team', last_name: role, role },
    });
    assert.equal(res.statusCode, 201, res.body);
    await g.services.accounts.setPassword(res.json().user_id, PASSWORD);
    return { name: `organization ${role}`, email, password: PASSWORD, starts: ['/', '/dashboard', authorize, endSession] };
  };
  const adminPersona = await teammate('admin');
  const memberPersona = await teammate('member');
  const ownerPersona: Persona = { name: 'organization owner', email: owner.email, password: PASSWORD, starts: ['/', '/dashboard', authorize, endSession] };
  // The visitor comes last: the password link it follows is the owner's.
  const vendorId = (await g.services.vendors.list())[0]!.vendor.id;
  // An external integration, for the console's partner key rotation.
  await g.services.integrations.createExternal(owner.organizationId, vendorId);
  const organizationPage = `/console/organizations/${owner.organizationId}`;
  // A console operator with a password, for the console's sign-in form.
  const operator = await g.services.operators.create('operator@console.example', 'admin');
  await g.services.operators.setPasswordWithLink(new URL(operator.link.url).pathname.split('/').pop()!, PASSWORD);
  // The console operator comes last of all: what it deletes and rotates the others no longer need.
  const personas: Persona[] = [
    memberPersona,
    adminPersona,
    ownerPersona,
    { name: 'signed-out visitor', starts: ['/', '/login', '/dashboard', passwordLink, '/no-such-page', authorize, '/console', '/console/login'] },
    {
      name: 'console operator',
      consoleToken: true,
      // The deeper pages first: the audit log's many filter links would use up the walk.
      starts: [
        '/console',
        organizationPage,
        `${organizationPage}/oem-token/revoke`,
        `/console/clients/${app.client_id}/rotate-secret`,
        `/console/clients/${authorised.client_id}/delete`,
        `/console/vendors/${vendorId}/disable`,
        '/console/keys/rotate',
        '/console/clients',
        '/console/vendors',
        '/console/operators',
        '/console/organizations',
      ],
    },
  ];

  const chrome: Browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => chrome.close());
  let counter = 0;
  const submitted: string[] = [];

  /** A fresh profile, signed in as the persona through the sign-in form when it has an account. */
  async function session(persona: Persona): Promise<{ context: BrowserContext; page: Page }> {
    const context = await chrome.newContext();
    const page = await context.newPage();
    if (persona.consoleToken) {
      await page.goto(`${origin}/console/login`);
      await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
      await page.getByRole('button', { name: 'Sign in with the token' }).click();
      await page.waitForURL((url) => url.pathname === '/console');
    } else if (persona.email) {
      await page.goto(`${origin}/login`);
      await page.getByLabel('Email').fill(persona.email);
      await page.getByLabel('Password').fill(persona.password!);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.pathname === '/dashboard');
    }
    return { context, page };
  }

  /** Follow same-origin links from the starting points; every form on every page reached. */
  async function discover(persona: Persona): Promise<FoundForm[]> {
    const { context, page } = await session(persona);
    const seen = new Set<string>();
    const queue = [...persona.starts];
    const forms: FoundForm[] = [];
    while (queue.length > 0 && seen.size < 40) {
      const target = queue.shift()!;
      if (seen.has(target)) continue;
      seen.add(target);
      await page.goto(`${origin}${target}`);
      const here = new URL(page.url());
      if (here.origin !== origin) continue;
      const path = here.pathname + here.search;
      seen.add(path);
      for (const href of await page.locator('a[href]').evaluateAll((as) => as.map((a) => (a as unknown as { href: string }).href))) {
        const url = new URL(href);
        if (url.origin === origin && !NOT_PAGES.test(url.pathname) && url.pathname !== '/logout') queue.push(url.pathname + url.search);
      }
      const found = await page.locator('form').evaluateAll((all) =>
        all.map((f, index) => ({
          index,
          action: f.getAttribute('action') ?? '',
          buttons: [...f.querySelectorAll('button[type=submit], button:not([type]), input[type=submit]')].map((b) => {
            const e = b as unknown as { innerText: string; value: string; name: string };
            return e.innerText || e.value || e.name;
          }),
        })),
      );
      for (const f of found) {
        for (const button of f.buttons)
          forms.push({ page: path, index: f.index, action: f.action, buttons: [button], label: `${persona.name}: ${f.action} [${button}] on ${path}` });
      }
    }
    await context.close();
    // One submission per distinct form and button (the same form on several pages counts once).
    const unique = new Map(forms.map((f) => [`${f.action.replace(/[A-Za-z0-9_-]{16,}/g, ':id')}|${f.buttons[0]}`, f]));
    const setsPassword = (f: FoundForm) => /password/i.test(f.label) && !f.action.endsWith('/password-link');
    const rank = (f: FoundForm) => (setsPassword(f) ? 2 : ENDS_SOMETHING.test(f.label) ? 1 : 0);
    return [...unique.values()].sort((a, b) => rank(a) - rank(b));
  }

  /** Fill every field of the form as a person would, and press the button. */
  async function submit(persona: Persona, form: FoundForm): Promise<void> {
    const { context, page } = await session(persona);
    try {
      await page.goto(`${origin}${form.page}`);
      // Found again by what it posts to: other forms on the page may have come or gone since.
      const element = page.locator(`form[action="${form.action}"]`).filter({ hasText: form.buttons[0] }).first();
      if ((await element.count()) === 0) assert.fail(`${form.label}: the form is gone from its page`);
      const newPassword = `Another good passphrase ${++counter}`;
      let changesPassword = false;
      for (const field of await element.locator('input, select, textarea').all()) {
        if (!(await field.isVisible())) continue; // hidden fields are the page's own (csrf, state)
        const tag = await field.evaluate((e) => e.tagName.toLowerCase());
        const type = (await field.getAttribute('type')) ?? 'text';
        const name = (await field.getAttribute('name')) ?? '';
        // A field whose page gives a valid entry for it (fields that only make sense together,
        // such as a connector definition's): that entry, as a person who knows the answer types it.
        const example = await field.getAttribute('data-example');
        if (example !== null) {
          await (tag === 'select' ? field.selectOption(example) : field.fill(example));
        } else if (tag === 'select') {
          const values = await field.locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value).filter(Boolean));
          if (values.length) await field.selectOption(values[values.length - 1]);
        } else if (type === 'checkbox' || type === 'radio') {
          await field.check();
        } else if (form.action === '/console/login' && (type === 'email' || type === 'password')) {
          await field.fill(name === 'token' ? ADMIN_TOKEN : name === 'email' ? 'operator@console.example' : PASSWORD);
        } else if (type === 'email') {
          await field.fill(form.action === '/login' ? (persona.email ?? ownerPersona.email!) : `person${counter}@example.com`);
        } else if (type === 'password') {
          if (form.action === '/login') await field.fill(persona.password ?? ownerPersona.password!);
          else if (/current/.test(name)) await field.fill(persona.password!);
          else if (/^(password|new_password|confirm)$/.test(name)) {
            await field.fill(newPassword);
            changesPassword = true;
          } else await field.fill(`secret-value-${counter}`); // a secret that is not a password: a header value, a key
        } else if (type === 'datetime-local') {
          await field.fill('2026-01-01T00:00');
        } else if (type === 'date') {
          await field.fill('2026-01-01');
        } else if (/(^|_)(uris?|url)$/.test(name)) {
          await field.fill(`${outside.origin}/cb`);
        } else if ((await field.getAttribute('inputmode')) === 'numeric') {
          await field.fill('1');
        } else if (name.endsWith('header')) {
          await field.fill('X-Example-Key');
        } else if (type === 'url') {
          await field.fill(`${outside.origin}/hooks/${counter}`);
        } else if (type === 'number') {
          await field.fill('1');
        } else if (type !== 'submit' && type !== 'button') {
          await field.fill(`Example ${counter}`);
        }
      }
      const answers: Response[] = [];
      page.on('response', (r) => {
        if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) answers.push(r);
      });
      const button = element.locator('button[type=submit], button:not([type]), input[type=submit]').filter({ hasText: form.buttons[0] });
      await ((await button.count()) ? button.first() : element.locator(`input[type=submit][value="${form.buttons[0]}"]`)).click();
      await page.waitForLoadState('load');
      await page.waitForTimeout(100);
      assert.ok(answers.length > 0, `${form.label}: the press led nowhere`);
      for (const answer of answers) {
        assert.ok(
          answer.status() < 400,
          `${form.label}: ${answer.request().method()} ${answer.url()} answered ${answer.status()}: ${(await answer.text().catch(() => '')).slice(0, 500)}`,
        );
      }
      const title =
        new URL(page.url()).origin === origin
          ? await page
              .locator('h1')
              .first()
              .innerText()
              .catch(() => '')
          : '';
      assert.doesNotMatch(title, ERROR_TITLES, `${form.label}: ended on an error page: ${title}`);
      if (changesPassword) {
        // The password now belongs to whoever's form it was: the persona's, or the owner's link.
        (persona.email ? persona : ownerPersona).password = newPassword;
      }
      submitted.push(form.label);
    } finally {
      await context.close();
    }
  }

  for (const persona of personas) {
    const forms = await discover(persona);
    assert.ok(forms.length > 0, `${persona.name} reaches some form`);
    for (const form of forms) {
      await t.test(form.label, () => submit(persona, form));
    }
  }
  // The ones a person needs most are among what was found and pressed.
  for (const expected of [
    '/login',
    '/password/set/',
    '/account/password',
    '/oauth/authorize',
    '/dashboard/webhooks',
    '/logout',
    '/oauth/end-session',
    '/revoke',
    '/disconnect',
    '[Resend]',
    'Remote Monitoring]',
    '[Continue to Directory]',
    '/console/login',
    '/console/clients',
    '/console/vendors',
    '/console/keys/rotate',
    '/console/operators',
    '/console/logout',
    '/console/organizations [Search]',
    '/users [Invite]',
    '/role [Change role]',
    '/password-link [Set-password link]',
    '/login-link [One-time login link]',
    '/remove [Yes, remove',
    '/rotate-partner-key',
    '/disable [Yes, disable the integration]',
    '/oem-token/rotate',
    '/oem-token/revoke',
    '/rotate-secret',
    '/delete',
    '/disable',
  ]) {
    assert.ok(
      submitted.some((s) => s.includes(expected)),
      `a form posting to ${expected} was found and submitted: ${JSON.stringify(submitted, null, 1)}`,
    );
  }
});
