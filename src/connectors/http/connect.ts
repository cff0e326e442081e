// GET /connectors/{id}/connect: start connecting the organization to a vendor application.
// Allowed to a signed-in organization admin, or to anyone holding a one-time connect link
// (?link=...). Sets the cookie that binds the authorization to this browser, then redirects to
// the vendor's authUrl.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App, FromSchema } from '../../http/route-types.ts';
import { organizationAdmin } from '../../accounts/organization-admin.ts';
import { randomToken } from '../../crypto.ts';
import { errors } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { REDIRECT_PATH, STATE_TTL_SECONDS } from '../authorization.ts';

export const BINDING_COOKIE = 'gh_connect';

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

/** This browser's binding value: kept across attempts, so two tabs connecting at once both work. */
function binding(services: Services, request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies?.[BINDING_COOKIE];
  const value = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : randomToken(32);
  reply.setCookie(BINDING_COOKIE, value, {
    path: REDIRECT_PATH,
    httpOnly: true,
    sameSite: 'lax',
    secure: services.config.publicUrl.startsWith('https:'),
    maxAge: STATE_TTL_SECONDS,
  });
  return value;
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
      if (connector.definition.grantType !== 'authorization_code') {
        throw errors.Invalid(`${connector.definition.name} connects without a browser: ask your operator.`);
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
