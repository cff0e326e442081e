// GET /api/partner/app-info (seed 003, "Get App Info"): a partner platform, holding the token it
// got from the code exchange, asks about the tenant it was activated for. The answer names the
// tenant, the user, the support contact, and a little telemetry about the organization.
import type { App } from '../http/route-types.ts';
import { errors } from '../errors.ts';
import { BearerGuard } from '../oauth/bearer.ts';
import { surfaceLimit } from '../ops/rate-limit.ts';
import type { Services } from '../services.ts';

const telemetryItem = {
  type: 'object',
  properties: { type: { type: 'string' }, name: { type: 'string' }, value: { type: 'string' }, units: { type: 'string' } },
};

const response = {
  type: 'object',
  properties: {
    partnerTenantId: { type: 'string' },
    userEmail: { type: 'string' },
    supportEmail: { type: 'string' },
    telemetry: { type: 'array', items: telemetryItem },
  },
};

const error = { type: 'object', properties: { error: { type: 'string' }, error_description: { type: 'string' } } };

export function partnerRoutes(services: Services) {
  const guard = new BearerGuard(services.tokens, 'gatehouse-partner');

  return async (app: App) => {
    app.addHook('onRequest', surfaceLimit(app, services.config, 'partner'));

    app.get(
      '/app-info',
      {
        config: { audience: 'oauth' },
        preHandler: guard.require(),
        schema: {
          tags: ['partner'],
          summary: 'App Info for partner platforms (seed 003)',
          security: [{ partnerToken: [] }],
          querystring: {
            type: 'object',
            additionalProperties: false,
            required: ['partnerTenantId'],
            properties: { partnerTenantId: { type: 'string', minLength: 1, maxLength: 200 } },
          },
          response: { 200: response, '4xx': error },
        },
      },
      async (request, reply) => {
        const { partnerTenantId } = request.query;
        const caller = request.bearer!;
        if (!caller.organizationId || !caller.userId) throw errors.InsufficientScope('the access token was not issued to a user of a partner tenant');
        if (partnerTenantId !== caller.organizationId) throw errors.Forbidden('partnerTenantId is not the tenant this token was issued for');
        const user = await services.users.find(caller.userId);
        if (!user) throw errors.InvalidToken('the user of this token no longer exists');
        const [users, integrations, links] = await Promise.all([
          services.users.count(caller.organizationId),
          services.integrations.count(caller.organizationId),
          services.connectors.connections.count(caller.organizationId),
        ]);
        reply.header('cache-control', 'no-store');
        return {
          partnerTenantId,
          userEmail: user.email,
          supportEmail: services.config.supportEmail,
          // Seed 003's shape: values as strings, type "number".
          telemetry: [
            { type: 'number', name: 'Users', value: String(users), units: 'users' },
            { type: 'number', name: 'Integrations', value: String(integrations), units: 'integrations' },
            { type: 'number', name: 'Connections', value: String(links), units: 'connections' },
          ],
        };
      },
    );
  };
}
