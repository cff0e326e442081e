// The connector surfaces outside the admin API: the connect page and form, the callback, the dashboard's
// disconnect form, the vendor's connect links (rate limited per IP like the other public
// pages), and the proxy (which keeps request bodies as bytes, so it is a plugin of its own).
import type { FastifyInstance } from 'fastify';
import { surfaceLimit } from '../../ops/rate-limit.ts';
import type { Services } from '../../services.ts';
import { callbackRoute } from './callback.ts';
import { connectRoute } from './connect.ts';
import { connectFormRoute } from './connect-form.ts';
import { disconnectPage } from './dashboard.ts';
import { proxyRoutes } from './proxy.ts';
import { vendorLinkRoute } from './vendor-links.ts';

export { connectionsSection } from './dashboard.ts';

export function connectorRoutes(services: Services) {
  return async (app: FastifyInstance) => {
    await app.register(async (pages) => {
      pages.addHook('onRequest', surfaceLimit(pages, services.config, 'connectors'));
      connectRoute(pages, services);
      connectFormRoute(pages, services);
      callbackRoute(pages, services);
      disconnectPage(pages, services);
      vendorLinkRoute(pages, services);
    });
    await app.register(proxyRoutes(services));
  };
}
