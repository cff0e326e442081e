// GET /dashboard: the organization dashboard for the signed-in user: the organization and its
// integrations, then the sections other surfaces contribute (the team, the user's apps and
// account, connections). Everything shown is escaped by `html`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { managesOrganization } from '../accounts/organization-admin.ts';
import type { CurrentSession } from '../accounts/sessions.ts';
import type { Services } from '../services.ts';
import { html, when, noticePage, page, type Markup } from './layout.ts';
import { DASHBOARD_PATH, signInUrl } from '../http/paths.ts';

/** More of the dashboard, contributed by other surfaces (the team, the user's apps and account). */
export type DashboardSection = (request: FastifyRequest, reply: FastifyReply, session: CurrentSession) => Promise<Markup>;

export function dashboardRoute(app: FastifyInstance, { browserSessions, organizations, integrations, users }: Services, sections: DashboardSection[] = []) {
  app.get(
    DASHBOARD_PATH,
    {
      config: { audience: 'page' },
      schema: { tags: ['pages'], summary: 'The organization dashboard (needs a browser session)' },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
      const session = await browserSessions.current(request);
      if (!session) {
        return reply
          .status(401)
          .send(
            noticePage(
              'Not signed in',
              'You are not signed in, or your session has ended.',
              html`<a href="${signInUrl(DASHBOARD_PATH)}">Sign in</a> with your email and password, or open Gatehouse from your vendor's application.`,
            ),
          );
      }
      const [organization, me, list, extra] = await Promise.all([
        organizations.get(session.organizationId),
        users.find(session.userId),
        integrations.listForOrganization(session.organizationId),
        Promise.all(sections.map((section) => section(request, reply, session))),
      ]);
      return page(
        organization.name,
        html`
<h1>${organization.name}</h1>
<p class="muted">Signed in as ${me?.email ?? ''}${me ? ` (${me.role})` : ''}</p>
<nav class="sections"><a href="#integrations">Integrations</a> <a href="#team">Team</a> <a href="#connections">Connections</a>
${managesOrganization(me?.role) ? html`<a href="${DASHBOARD_PATH}/webhooks">Webhooks</a> ` : ''}<a href="#apps">Apps</a> <a href="#authorised-apps">Authorised apps</a> <a href="#password">Password</a></nav>
<h2 id="integrations">Integrations</h2>
${
  list.length === 0
    ? html`<p class="muted">No integrations yet.</p>`
    : html`
<table><thead><tr><th>Vendor</th><th>Kind</th><th>Status</th><th>Last used</th></tr></thead><tbody>
${list.map((i) => html`<tr><td>${i.vendor_name}</td><td>${i.kind}</td><td>${i.disabled_at ? 'disabled' : i.status}</td><td>${when(i.last_used_at)}</td></tr>`)}
</tbody></table>`
}
${extra}`,
      );
    },
  );
}
