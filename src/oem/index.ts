// The OEM API (seeds 000 and 001) under /api/oem-api: vendors create organizations, their users,
// login sessions and integrations. Errors answer {status, error, message} with the seeds' codes.
import type { App } from '../http/route-types.ts';
import { surfaceLimit } from '../ops/rate-limit.ts';
import type { Services } from '../services.ts';
import { createIntegrationRoute } from './create-integration.ts';
import { createOrganizationRoute } from './create-organization.ts';
import { createSessionRoute } from './create-session.ts';
import { createUserRoute } from './create-user.ts';
import { oemSurface } from '../http/oem-surface.ts';
import { listIntegrationsRoute } from './list-integrations.ts';
import { listVendorsRoute } from './list-vendors.ts';
import { updateIntegrationRoute } from './update-integration.ts';

export function oemApi(services: Services) {
  return async (app: App) => {
    oemSurface(app, services, 'oem', 'oem');
    app.addHook('onRequest', surfaceLimit(app, services.config, 'oem'));
    createOrganizationRoute(app, services);
    createSessionRoute(app, services);
    createUserRoute(app, services);
    createIntegrationRoute(app, services);
    updateIntegrationRoute(app, services);
    listIntegrationsRoute(app, services);
    listVendorsRoute(app, services);
  };
}
