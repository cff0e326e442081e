// GET /: signed-in people go to their dashboard; anyone else sees what this server is and where
// to go from here. Also the site icon.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../services.ts';
import { DASHBOARD_PATH, LOGIN_PATH } from '../http/paths.ts';
import { FAVICON_SVG, html, page } from './layout.ts';

export function homeRoutes(app: FastifyInstance, { browserSessions, config }: Services) {
  app.get(
    '/',
    {
      config: { audience: 'page' },
      schema: { tags: ['pages'], summary: 'Home: the dashboard when signed in, otherwise what this server is' },
    },
    async (request, reply) => {
      if (await browserSessions.current(request)) return reply.redirect(DASHBOARD_PATH, 303);
      reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
      return page(
        'Welcome',
        html`<h1>Gatehouse</h1>
<p>This is the integration identity hub at <code>${config.publicUrl}</code>: it signs people and applications in
for the platforms and tools managed service providers use, and connects them to each other.</p>
<div class="tiles">
<div class="tile"><h2>People</h2><p><a href="${LOGIN_PATH}">Sign in</a> with your email and password to manage your organization's
integrations, webhooks and connections. Usually you arrive here from your vendor's application.</p></div>
<div class="tile"><h2>Developers</h2><p><a href="/docs">API documentation</a> (OpenAPI) for the OEM, Vendor, MSP and admin APIs,
and the <a href="/.well-known/oauth-authorization-server">OAuth 2.0 server metadata</a>.</p></div>
<div class="tile"><h2>Operators</h2><p>Health: <a href="/healthz">/healthz</a> (the process) and <a href="/readyz">/readyz</a> (the database).</p></div>
</div>`,
      );
    },
  );

  const icon = { config: { audience: 'page' as const }, schema: { hide: true } };
  const sendIcon = (_request: unknown, reply: FastifyReply) => reply.header('cache-control', 'public, max-age=86400').type('image/svg+xml').send(FAVICON_SVG);
  app.get('/favicon.svg', icon, sendIcon);
  app.get('/favicon.ico', icon, sendIcon);
}
