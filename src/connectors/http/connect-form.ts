// POST /connectors/{id}/connect: the connect form, submitted by an organization admin (from the
// dashboard or the connect page) or by the holder of a one-time connect link. API key, Basic and
// two-step connectors are connected (or, when connected already, updated) by the same service
// calls the admin API makes, which verify the credentials with the vendor and emit the events;
// an OAuth connector's settings (a tenant, a region) start the browser's trip to the vendor.
// The outcome is a page in words; a refusal shows the form again with the field it names
// highlighted and the non-secret values kept.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../http/route-types.ts';
import { checkCsrf } from '../../accounts/csrf.ts';
import { organizationAdmin } from '../../accounts/organization-admin.ts';
import { AppError, errors } from '../../errors.ts';
import { DASHBOARD_PATH } from '../../http/paths.ts';
import type { Services } from '../../services.ts';
import { allowFormTargets, csrfField, sendPage } from '../../ui/forms.ts';
import { html, type Markup } from '../../ui/layout.ts';
import { connectPath } from '../connect-links.ts';
import type { ConnectionRow } from '../connections.ts';
import type { Connector } from '../connectors.ts';
import { binding } from './binding.ts';
import { formSettings, needsForm, problemField, settingsFields, settingsFormBody, shownConfig, type FormState } from './settings-form.ts';

const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;

/**
 * The origin of a URL template when no placeholder is in it, else undefined (a per-site vendor
 * host is known only once the form is filled in).
 */
function fixedOrigin(template: string | null): string | undefined {
  const m = template === null ? null : /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(template);
  return m && !m[0].includes('${') ? m[0] : undefined;
}

/** The connector's existing connection for the organization, if any. */
async function existingConnection(services: Services, connectorId: string, organizationId: string): Promise<ConnectionRow | undefined> {
  const [row] = await services.connectors.connections.list({ organizationId, connectorId });
  return row;
}

/** The <form> itself: on the dashboard, the connect page, and again after a refusal. */
export function connectForm(connector: Connector, csrf: Markup, state: FormState, link?: string, heading = true): Markup {
  const d = connector.definition;
  const oauth = d.authMode === 'oauth2';
  const label = oauth ? `Continue to ${d.name}` : state.existing ? `Update ${d.name}` : `Connect ${d.name}`;
  return html`<form class="card connect" method="post" action="${connectPath(connector.id)}" data-connector-id="${connector.id}">${csrf}
${link ? html`<input type="hidden" name="link" value="${link}">` : ''}${heading ? html`<h3>${state.existing ? 'Update' : 'Connect'} ${d.name}</h3>` : ''}
${d.documentationUrl ? html`<p class="muted">Where to find these values: <a href="${d.documentationUrl}" rel="noopener noreferrer">${d.name} documentation</a></p>` : ''}
${settingsFields(d, `connect-${connector.id}`, state)}
<p><button type="submit">${label}</button></p></form>`;
}

/** The connect page: the form on a page of its own (GET /connectors/{id}/connect, or a refusal). */
export function sendConnectPage(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  connector: Connector,
  status: number,
  state: FormState,
  link?: string,
): FastifyReply {
  const d = connector.definition;
  // CSP form-action also governs the redirects after a submission (CSP 3 §6.4.1): the vendor's
  // authorization endpoint must be allowed when the form's answer sends the browser there.
  const target = d.authMode === 'oauth2' ? fixedOrigin(d.authUrl) : undefined;
  if (target) allowFormTargets(reply, [target]);
  const back = link ? '' : html`<p><a href="${DASHBOARD_PATH}#connections">Back to the dashboard</a></p>`;
  return sendPage(
    reply,
    status,
    `Connect ${d.name}`,
    html`<h1>Connect ${d.name}</h1>
${d.authMode === 'oauth2' ? html`<p>Give these settings, then sign in at ${d.name} to let this organization's integrations use it.</p>` : html`<p>Enter the settings and credentials ${d.name} gave you. Gatehouse checks them with ${d.name} and stores the credentials encrypted; they are never shown again.</p>`}
${connectForm(connector, csrfField(request, reply, services), state, link, false)}${back}`,
  );
}

/** What the stored connection means for the person who just connected it, in words. */
function outcome(connector: Connector, row: ConnectionRow): { title: string; message: string } {
  const d = connector.definition;
  if (row.status === 'unverified') {
    return {
      title: 'Connected, not verified',
      message: `${d.name} is connected, but its credentials could not be verified: ${row.verification_error ?? 'no reason given'}. Calls through it may fail until the vendor answers.`,
    };
  }
  if (d.verify) return { title: 'Connected and verified', message: `${d.name} is connected and verified: ${d.name} accepted the credentials.` };
  return { title: 'Connected', message: `${d.name} is connected. It declares no verification call, so the credentials are first checked when it is used.` };
}

export function connectFormRoute(app: App, services: Services) {
  app.post(
    '/connectors/:id/connect',
    {
      config: { audience: 'page' },
      schema: {
        tags: ['pages'],
        summary: 'Connect the organization with the connect form (organization admin, or a one-time connect link)',
        params,
        body: settingsFormBody,
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const body = request.body as Record<string, string | undefined>;
      checkCsrf(request, body.csrf);
      const connector = await services.connectors.connectors.find(id);
      if (!connector) throw errors.NotFound('This connector does not exist.');
      const d = connector.definition;
      if (!needsForm(d)) throw errors.Invalid(`${d.name} takes no settings: use its Connect link.`);
      const link = body.link;
      let who: { organizationId: string; userId: string | null; via: string; relink?: () => Promise<string> };
      if (link !== undefined) {
        const spent = await services.connectors.links.spend(link, id);
        if (!spent) throw errors.InvalidLink('This connect link has expired or was already used. Ask for a new one.');
        // The link is spent; a refused attempt gets a new one, lasting as long as this one had left.
        const left = Math.max(1, Math.floor((spent.expiresAt.getTime() - Date.now()) / 1000));
        const relink = async () => (await services.connectors.links.create(id, spent.organizationId, spent.createdBy, left)).token;
        who = { organizationId: spent.organizationId, userId: null, via: 'link', relink };
      } else {
        const user = await organizationAdmin(services, request, 'connect applications');
        who = { organizationId: user.organizationId, userId: user.userId, via: 'session' };
      }
      const actor = who.userId ?? 'connect-link';
      const existing = d.authMode === 'oauth2' ? undefined : await existingConnection(services, id, who.organizationId);
      try {
        const input = formSettings(d, body, existing !== undefined);
        if (d.authMode === 'oauth2') {
          const url = await services.connectors.authorization.start(connector, who.organizationId, who.userId, binding(services, request, reply), input.config);
          services.audit.record({
            action: 'connection.authorization_started',
            outcome: 'success',
            actor,
            ip: request.ip,
            details: { connector_id: id, organization_id: who.organizationId, via: who.via },
          });
          reply.header('cache-control', 'no-store');
          if (fixedOrigin(d.authUrl)) return reply.redirect(url, 303);
          // The vendor's host came from the form, so the page could not allow it in form-action:
          // a link (which form-action does not govern) takes the person on.
          return sendPage(
            reply,
            200,
            `Continue to ${d.name}`,
            html`<h1>Continue to ${d.name}</h1><div class="card"><p>Sign in at ${d.name} to finish connecting.</p><p><a class="continue" href="${url}">Continue to ${d.name}</a></p></div>`,
          );
        }
        let row: ConnectionRow;
        if (existing) {
          row = await services.connectors.update(existing.id, input);
          services.audit.record({
            action: 'connection.updated',
            outcome: 'success',
            actor,
            ip: request.ip,
            details: { connection_id: row.id, changed: Object.keys(input), via: who.via },
          });
        } else {
          row = (await services.connectors.connect(id, who.organizationId, input)).connection;
          services.audit.record({
            action: 'connection.connected',
            outcome: 'success',
            actor,
            ip: request.ip,
            details: { connection_id: row.id, connector_id: id, organization_id: who.organizationId, via: who.via },
          });
        }
        const { title, message } = outcome(connector, row);
        const next = who.userId ? html`<p><a href="${DASHBOARD_PATH}#connections">Back to the dashboard</a></p>` : html`<p>You can close this page.</p>`;
        return sendPage(
          reply,
          existing ? 200 : 201,
          title,
          html`<h1>${title}</h1><div class="card" id="outcome" data-status="${row.status}"><p>${message}</p></div>${next}`,
        );
      } catch (error) {
        if (!(error instanceof AppError) || error.status >= 500 || error.status === 401 || error.status === 403) throw error;
        const entered = Object.fromEntries(
          d.connectionConfig.map((f) => {
            const given = body[`config.${f.name}`];
            return [f.name, f.type === 'boolean' ? given === 'true' : given];
          }),
        );
        const typed = Object.fromEntries(
          d.credentials.filter((c) => !c.secret && body[`credentials.${c.name}`] !== undefined).map((c) => [c.name, body[`credentials.${c.name}`] ?? '']),
        );
        const state: FormState = {
          config: shownConfig(d, entered),
          credentials: typed,
          existing: existing !== undefined,
          problem: { message: error.message, field: problemField(error.message) },
        };
        return sendConnectPage(services, request, reply, connector, error.status, state, who.relink && (await who.relink()));
      }
    },
  );
}
