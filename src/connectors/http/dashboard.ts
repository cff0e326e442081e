// The organization dashboard's "Connections" section: the organization's connections with status,
// last refresh and expiry, and for organization admins the connectors to connect (a link for
// OAuth ones, the connect form for API key, Basic and two-step ones, connect-form.ts) and a
// Disconnect button (POST /dashboard/connections/{id}/disconnect, CSRF-protected).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../http/route-types.ts';
import { checkCsrf } from '../../accounts/csrf.ts';
import { adminRoleIn, organizationAdmin } from '../../accounts/organization-admin.ts';
import type { CurrentSession } from '../../accounts/sessions.ts';
import type { Services } from '../../services.ts';
import { DASHBOARD_PATH } from '../../http/paths.ts';
import { csrfField } from '../../ui/forms.ts';
import { html, when, type Markup } from '../../ui/layout.ts';
import { notFound } from '../connections.ts';
import { connectPath } from '../connect-links.ts';
import { connectForm } from './connect-form.ts';
import { shownConfig } from './settings-form.ts';

const iso = (d: Date | null) => when(d, Date.now(), '-');

/** A DashboardSection: include it in the dashboard's section list. */
export async function connectionsSection(services: Services, request: FastifyRequest, reply: FastifyReply, session: CurrentSession): Promise<Markup> {
  const { connectors, connections } = services.connectors;
  const [all, rows, role] = await Promise.all([
    connectors.list(),
    connections.list({ organizationId: session.organizationId }),
    adminRoleIn(services.storage.db, session.organizationId, session.userId),
  ]);
  const admin = role !== undefined;
  const names = new Map(all.map((c) => [c.id, c.definition.name]));
  const connected = new Set(rows.map((r) => r.connector_id));
  const available = all.filter((c) => c.definition.grantType === 'authorization_code');
  // API key, Basic and two-step connectors are connected with their form, right here.
  const withForm = all.filter((c) => c.definition.authMode !== 'oauth2');
  const current = new Map(rows.map((r) => [r.connector_id, r]));
  const csrf = admin ? csrfField(request, reply, services) : html``;
  return html`
<h2 id="connections">Connections</h2>
${
  rows.length === 0
    ? html`<p class="muted">No connected applications.</p>`
    : html`
<table id="connections"><thead><tr><th>Application</th><th>Status</th><th>Last refresh</th><th>Token expires</th><th></th></tr></thead><tbody>
${rows.map(
  (
    r,
  ) => html`<tr data-connection-id="${r.id}"><td>${names.get(r.connector_id) ?? r.connector_id}</td><td>${r.status}${r.status === 'broken' && r.last_error ? html` <span class="muted">(${r.last_error})</span>` : ''}</td>
<td>${iso(r.last_refresh_at)}</td><td>${iso(r.expires_at)}</td><td>${admin ? html`<form class="inline" method="post" action="${DASHBOARD_PATH}/connections/${r.id}/disconnect">${csrf}<button type="submit">Disconnect</button></form>` : ''}</td></tr>`,
)}
</tbody></table>`
}
${admin && available.length > 0 ? html`<p>${available.map((c) => html`<a class="connect" href="${connectPath(c.id)}">${connected.has(c.id) ? 'Reconnect' : 'Connect'} ${c.definition.name}</a> `)}</p>` : ''}
${
  admin
    ? withForm.map((c) => {
        const row = current.get(c.id);
        return connectForm(c, csrf, row ? { existing: true, config: shownConfig(c.definition, row.config) } : {});
      })
    : ''
}`;
}

export function disconnectPage(app: App, services: Services) {
  app.post(
    `${DASHBOARD_PATH}/connections/:id/disconnect`,
    {
      config: { audience: 'page' },
      schema: {
        tags: ['pages'],
        summary: 'Disconnect an application (organization admins, form)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } },
        body: { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf: { type: 'string', maxLength: 100 } } },
      },
    },
    async (request, reply) => {
      const session = await organizationAdmin(services, request, 'disconnect applications');
      checkCsrf(request, request.body.csrf);
      const { id } = request.params;
      const row = await services.connectors.connections.find(id);
      if (!row || row.organization_id !== session.organizationId) throw notFound(id);
      const { revoked } = await services.connectors.disconnect(id);
      services.audit.record({
        action: 'connection.deleted',
        outcome: 'success',
        actor: session.userId,
        ip: request.ip,
        details: { connection_id: id, revoked },
      });
      return reply.redirect(DASHBOARD_PATH, 303);
    },
  );
}
