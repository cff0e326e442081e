// The admin API: every route under /admin/api/v1 needs the admin Bearer token.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { adminAuditRoutes } from './audit.ts';
import { adminClientRoutes } from './clients.ts';
import { adminKeyRoutes } from './keys.ts';
import { adminIntegrationRoutes } from './integrations.ts';
import { adminOrganizationRoutes } from './organizations.ts';
import { adminVendorRoutes } from './vendors.ts';
import { adminWebhookRoutes } from './webhooks.ts';
import { adminUserRoutes } from './users.ts';
import { adminOperatorRoutes } from './operators.ts';
import { adminConnectorApi } from '../connectors/admin/index.ts';

export function adminApi(services: Services) {
  return async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), audience: 'admin' } as typeof route.config;
      route.schema = { ...route.schema, security: [{ adminToken: [] }] };
    });
    app.addHook('onRequest', services.adminAuth.check);
    adminClientRoutes(app, services);
    adminKeyRoutes(app, services);
    adminAuditRoutes(app, services);
    adminVendorRoutes(app, services);
    adminOrganizationRoutes(app, services);
    adminIntegrationRoutes(app, services);
    adminWebhookRoutes(app, services);
    adminUserRoutes(app, services);
    adminOperatorRoutes(app, services);
    adminConnectorApi(app, services);
  };
}
