// /console/keys: the signing keys (next, current, previous, with their expiry) and rotation,
// through the Keystore the admin API's /keys/rotate calls, after a page that says what changes.
import { checkCsrf } from '../accounts/csrf.ts';
import { CONSOLE_PATH } from '../http/paths.ts';
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { html, when } from '../ui/layout.ts';
import { keysDue } from './overview.ts';
import { confirmed, confirmPage, consolePage, csrf, session } from './view.ts';

const BASE = `${CONSOLE_PATH}/keys`;
const ORDER = { next: 0, current: 1, previous: 2 } as const;
const date = (iso: string | null) => (iso ? when(new Date(iso)) : html`-`);

export function consoleKeyRoutes(app: App, services: Services) {
  const { keystore, audit } = services;

  app.get(
    BASE,
    {
      schema: {
        summary: 'Console: signing keys',
        querystring: { type: 'object', additionalProperties: false, properties: { rotated: { type: 'string', maxLength: 5 } } },
      },
    },
    async (request, reply) => {
      const keys = keystore.list().sort((a, b) => ORDER[a.status] - ORDER[b.status]);
      const due = keysDue(keys);
      return consolePage(
        services,
        request,
        reply,
        200,
        'Signing keys',
        html`<h1>Signing keys</h1>${request.query.rotated === '1' ? html`<p class="ok" role="status">Rotated: the next key now signs.</p>` : ''}
${due.map((d) => html`<p class="error">Key <code>${d.kid}</code>: ${d.why}.</p>`)}
<table id="keys"><thead><tr><th>Status</th><th>Key id</th><th>Algorithm</th><th>Created</th><th>Signing since</th><th>Dropped from the JWKS</th></tr></thead><tbody>
${keys.map((k) => html`<tr><td>${k.status}</td><td><code>${k.kid}</code></td><td>${k.alg}</td><td>${date(k.created_at)}</td><td>${date(k.activated_at)}</td><td>${date(k.expires_at)}</td></tr>`)}
</tbody></table><p><a href="${BASE}/rotate">Rotate the signing keys</a></p>`,
      );
    },
  );

  app.get(`${BASE}/rotate`, { schema: { summary: 'Console: confirm a key rotation' } }, async (request, reply) =>
    confirmPage(services, request, reply, {
      title: 'Rotate the signing keys?',
      breaks:
        'The next key (already published in the JWKS) starts signing; the current key becomes previous and stays in the JWKS until the longest-lived token it signed has expired, so tokens already issued keep verifying. A relying party that pinned the current key, instead of reading the JWKS, will refuse new tokens.',
      action: `${BASE}/rotate`,
      button: 'Yes, rotate the keys',
      back: BASE,
    }),
  );

  app.post(
    `${BASE}/rotate`,
    {
      schema: {
        summary: 'Console: rotate the signing keys (form)',
        body: { type: 'object', additionalProperties: false, required: ['csrf', 'confirm'], properties: { csrf, confirm: confirmed } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const keys = await keystore.rotate();
      audit.record({
        action: 'key.rotated',
        outcome: 'success',
        actor: session(request).actor,
        ip: request.ip,
        details: { current: keys.find((k) => k.status === 'current')?.kid, via: 'console' },
      });
      return reply.redirect(`${BASE}?rotated=1`, 303);
    },
  );
}
