// GET /connectors/{id}/connect: start connecting the organization to a vendor application.
// Allowed to a signed-in organization admin, or to anyone holding a one-time connect link
// (?link=...). A connector with settings to ask for (API key, Basic, two-step, or an OAuth
// tenant) shows the connect form (connect-form.ts); otherwise this sets the cookie that binds
// the authorization to this browser and redirects to the vendor's authUrl.
import type { FastifyRequest } from 'fastify';
import type { App, FromSchema } from '../../http/route-types.ts';
import { organizationAdmin } from '../../accounts/organization-admin.ts';
import { errors } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { binding } from './binding.ts';
import { sendConnectPage } from './connect-form.ts';
import { needsForm, shownConfig } from './settings-form.ts';

const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
const querystring = { type: 'object', additionalProperties: false, properties: { link: { type: 'string', minLength: 1, maxLength: 200 } } } as const;

/** The organization this request may connect, and who is doing it. */
async function whoConnects(
  services: Services,
  request: FastifyRequest<{ Querystring: FromSchema<typeof querystring> }>,
  connectorId: string,
): Promise<{ organizationId: string; userId: string | null; via: string }> {
  const { link } = request.query;
  if (link !== undefined) {
    const organizationId = await services.connectors.links.consume(link, connectorId);
    if (!organizationId) throw errors.InvalidLink('This connect link has expired or was already used. Ask for a new one.');
    return { organizationId, userId: null, via: 'link' };
  }
  const user = await organizationAdmin(services, request, 'connect applications');
  return { organizationId: user.organizationId, userId: user.userId, via: 'session' };
}

export function connectRoute(app: App, services: Services) {
  app.get(
    '/connectors/:id/connect',
    {
      config: { audience: 'page' },
      schema: {
        tags: ['pages'],
        summary: "Connect the organization to a connector's vendor (organization admin, or a one-time connect link)",
        params,
        querystring,
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const connector = await services.connectors.connectors.find(id);
      if (!connector) throw errors.NotFound('This connector does not exist.');
      const d = connector.definition;
      if (needsForm(d)) {
        // The settings are asked for first; the link is spent only when the form is sent.
        const { link } = request.query;
        let organizationId: string;
        if (link !== undefined) {
          const live = await services.connectors.links.peek(link, id);
          if (!live) throw errors.InvalidLink('This connect link has expired or was already used. Ask for a new one.');
          organizationId = live.organizationId;
        } else organizationId = (await organizationAdmin(services, request, 'connect applications')).organizationId;
        const [existing] = d.authMode === 'oauth2' ? [] : await services.connectors.connections.list({ organizationId, connectorId: id });
        const state = existing ? { existing: true, config: shownConfig(d, existing.config) } : {};
        return sendConnectPage(services, request, reply, connector, 200, state, link);
      }
      if (d.grantType !== 'authorization_code') {
        throw errors.Invalid(`${d.name} connects without a browser: ask your operator.`);
      }
      const who = await whoConnects(services, request, id);
      const url = await services.connectors.authorization.start(connector, who.organizationId, who.userId, binding(services, request, reply));
      services.audit.record({
        action: 'connection.authorization_started',
        outcome: 'success',
        actor: who.userId ?? 'connect-link',
        ip: request.ip,
        details: { connector_id: id, organization_id: who.organizationId, via: who.via },
      });
      return reply.header('cache-control', 'no-store').redirect(url, 303);
    },
  );
}
