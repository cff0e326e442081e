// /console/organizations/:id/connections: an organization's connections to vendor applications,
// through the connector service the admin API's /connections endpoints call: each with its
// connector, status, last refresh, expiry and the error that broke it; refresh the token now
// (what POST /connections/{id}/refresh does); delete after a page saying what stops working
// (what DELETE /connections/{id} does: revoke at the vendor when the connector can, then delete).
// An organization holds at most one connection per connector, so the list is one page.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkCsrf } from '../accounts/csrf.ts';
import { hasToken } from '../connectors/credentials.ts';
import { notFound, type ConnectionRow } from '../connectors/connections.ts';
import type { Connector } from '../connectors/connectors.ts';
import { AppError } from '../errors.ts';
import { CONSOLE_PATH } from '../http/paths.ts';
import type { App } from '../http/route-types.ts';
import type { Organization } from '../organizations/organizations.ts';
import type { Services } from '../services.ts';
import { csrfField } from '../ui/forms.ts';
import { html, when, type Markup } from '../ui/layout.ts';
import { connectionsPath, organizationHeader } from './organization-links.ts';
import { confirmed, confirmPage, consolePage, csrf, idParams, problemBanner, session, type Problem } from './view.ts';

const connectionParams = {
  type: 'object',
  required: ['id', 'connectionId'],
  properties: { ...idParams.properties, connectionId: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

const NOTICES = { refreshed: 'Refreshed: the connection holds a new token.', deleted: 'Deleted.' } as const;

function status(c: ConnectionRow): Markup {
  if (c.status === 'broken') return html`<strong class="error">broken</strong>`;
  if (c.status === 'unverified') return html`<strong class="error">unverified</strong>`;
  return html`<span class="ok">active</span>`;
}

function why(c: ConnectionRow): Markup {
  const error = c.last_error ?? c.verification_error;
  if (!error) return html`<span class="muted">-</span>`;
  return html`<span class="error">${error}</span>${c.refresh_failures > 0 ? html` (${c.refresh_failures} failed refresh${c.refresh_failures === 1 ? '' : 'es'} in a row)` : ''}`;
}

export function consoleConnectionRoutes(app: App, services: Services) {
  const { connectors: service, organizations, audit } = services;
  const record = (request: FastifyRequest, action: string, c: ConnectionRow, details: Record<string, unknown> = {}) =>
    audit.record({
      action,
      outcome: 'success',
      actor: session(request).actor,
      ip: request.ip,
      details: { organization_id: c.organization_id, connection_id: c.id, connector_id: c.connector_id, ...details, via: 'console' },
    });

  /** The organization and its connection, or a 404 (another organization's counts as none). */
  const connectionOf = async (organizationId: string, connectionId: string) => {
    const organization = await organizations.get(organizationId);
    const connection = await service.connections.find(connectionId);
    if (!connection || connection.organization_id !== organization.id) throw notFound(connectionId);
    return { organization, connection, connector: await service.connectors.get(connection.connector_id) };
  };

  const listPage = async (request: FastifyRequest, reply: FastifyReply, organization: Organization, notice?: string, problem?: Problem) => {
    const rows = await service.connections.list({ organizationId: organization.id });
    const connectors = new Map<string, Connector>();
    for (const id of new Set(rows.map((r) => r.connector_id))) connectors.set(id, await service.connectors.get(id));
    const csrfInput = csrfField(request, reply, services);
    const here = connectionsPath(organization.id);
    return consolePage(
      services,
      request,
      reply,
      problem?.status ?? 200,
      `Connections of ${organization.name}`,
      html`${organizationHeader(organization, `Connections of ${organization.name}`)}
${notice ? html`<p class="ok" role="status">${notice}</p>` : ''}${problemBanner(problem)}
<table id="connections"><thead><tr><th>Connector</th><th>Status</th><th>Last refresh</th><th>Token expires</th><th>Error</th><th>Connected</th><th></th></tr></thead><tbody>
${rows.map((c) => {
  const connector = connectors.get(c.connector_id)!;
  return html`<tr id="connection-${c.id}"><td><a href="${CONSOLE_PATH}/connectors/${connector.id}">${connector.definition.name}</a><br><code class="muted">${c.id}</code></td>
<td>${status(c)}</td><td>${hasToken(connector) ? when(c.last_refresh_at) : html`<span class="muted">no token (${connector.definition.authMode})</span>`}</td>
<td>${c.expires_at ? when(c.expires_at) : html`<span class="muted">-</span>`}</td><td>${why(c)}</td><td>${when(c.connected_at)}</td>
<td>${
    hasToken(connector) && c.status !== 'broken'
      ? html`<form method="post" action="${here}/${c.id}/refresh" class="inline">${csrfInput}<button type="submit">Refresh now</button></form> `
      : ''
  }<a href="${here}/${c.id}/delete">Delete</a></td></tr>`;
})}</tbody></table>${rows.length === 0 ? html`<p class="muted">No connections.</p>` : ''}
${rows.some((c) => c.status === 'broken') ? html`<p class="muted">A broken connection's token could not be refreshed: the organization connects again to repair it.</p>` : ''}`,
    );
  };

  app.get(
    connectionsPath(':id'),
    {
      schema: {
        summary: "Console: an organization's connections",
        params: idParams,
        querystring: { type: 'object', additionalProperties: false, properties: { notice: { type: 'string', enum: Object.keys(NOTICES) } } },
      },
    },
    async (request, reply) => {
      const notice = request.query.notice as keyof typeof NOTICES | undefined;
      return listPage(request, reply, await organizations.get(request.params.id), notice && NOTICES[notice]);
    },
  );

  const csrfBody = { type: 'object', additionalProperties: false, required: ['csrf'], properties: { csrf } } as const;

  app.post(
    `${connectionsPath(':id')}/:connectionId/refresh`,
    { schema: { summary: "Console: refresh a connection's token now (form)", params: connectionParams, body: csrfBody } },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { organization, connection } = await connectionOf(request.params.id, request.params.connectionId);
      try {
        const live = await service.credentials.live(connection.id);
        if (live) await service.credentials.refresh(connection.id, live.version, 'requested');
      } catch (error) {
        // The vendor's refusal too (a 502 on the API): the page says what it answered, beside the connection's new state.
        if (!(error instanceof AppError)) throw error;
        return listPage(request, reply, organization, undefined, { status: error.status, message: `The refresh failed: ${error.message}` });
      }
      record(request, 'connection.refresh_requested', connection);
      return reply.redirect(`${connectionsPath(organization.id)}?notice=refreshed`, 303);
    },
  );

  app.get(
    `${connectionsPath(':id')}/:connectionId/delete`,
    { schema: { summary: 'Console: confirm deleting a connection', params: connectionParams } },
    async (request, reply) => {
      const { organization, connection, connector } = await connectionOf(request.params.id, request.params.connectionId);
      const d = connector.definition;
      const here = connectionsPath(organization.id);
      return confirmPage(services, request, reply, {
        title: `Delete the ${d.name} connection of ${organization.name}?`,
        breaks: html`Calls through this connection (<code>/api/connections/${connection.id}/proxy</code>) are refused at once, so whatever
${organization.name} runs against ${d.name} through Gatehouse stops working until someone in the organization connects ${d.name} again.
${d.revocationUrl ? `Its tokens are revoked at ${d.name} first.` : `${d.name} names no revocation URL: tokens it issued stay valid there until they expire.`}
The organization's webhooks receive connection.deleted. This cannot be undone.`,
        action: `${here}/${connection.id}/delete`,
        button: 'Yes, delete the connection',
        back: here,
      });
    },
  );

  app.post(
    `${connectionsPath(':id')}/:connectionId/delete`,
    {
      schema: {
        summary: 'Console: delete a connection (form)',
        params: connectionParams,
        body: { type: 'object', additionalProperties: false, required: ['csrf', 'confirm'], properties: { csrf, confirm: confirmed } },
      },
    },
    async (request, reply) => {
      checkCsrf(request, request.body.csrf);
      const { organization, connection } = await connectionOf(request.params.id, request.params.connectionId);
      const { revoked } = await service.disconnect(connection.id);
      record(request, 'connection.deleted', connection, { revoked });
      return reply.redirect(`${connectionsPath(organization.id)}?notice=deleted`, 303);
    },
  );
}
