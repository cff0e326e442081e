// The Vendor API (seed 001) under /api/vendor-api: authenticated by an MSPC_TOKEN that reaches
// exactly one integration, rate limited per integration (429 with Retry-After).
import type { App } from '../http/route-types.ts';
import { oemSurface } from '../http/oem-surface.ts';
import { surfaceLimit } from '../ops/rate-limit.ts';
import type { Services } from '../services.ts';
import type { VendorContext } from './mspc-auth.ts';
import { createAccountRoute } from './create-account.ts';
import { createServiceRoute } from './create-service.ts';
import { getOrganizationRoute } from './get-organization.ts';
import { listAccountsRoute } from './list-accounts.ts';
import { listServicesRoute } from './list-services.ts';
import { updateStatusRoute } from './update-status.ts';

export function vendorApi(services: Services) {
  const { mspcAuth, usage, config } = services;
  return async (app: App) => {
    oemSurface(app, services, 'vendor_api', 'vendor api');
    app.addHook('onRequest', async (request) => {
      // Failed authentications are limited per address before any key is looked up; the refusal
      // is audited (vendor_api.refused) only up to the threshold.
      const context = await services.authFailures.guard(request, 'vendor_api', () => mspcAuth.authenticate(request.headers));
      request.vendorContext = context;
      request.vendorId = context.vendorId;
      usage.touch(context);
    });
    // Counted per integration (the one the MSPC_TOKEN reaches), not per address.
    app.addHook(
      'onRequest',
      surfaceLimit(app, config, 'vendor-api', (request) => request.vendorContext!.integrationId),
    );
    getOrganizationRoute(app);
    createAccountRoute(app, services);
    listAccountsRoute(app, services);
    createServiceRoute(app, services);
    listServicesRoute(app, services);
    updateStatusRoute(app, services);
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The integration an MSPC_TOKEN reaches. (decorated with its initial value in src/http/request-fields.ts) */
    vendorContext: VendorContext | null;
  }
}
