// The connector endpoints of the admin API (mounted under /admin/api/v1 with its token check).
import type { App } from '../../http/route-types.ts';
import type { Services } from '../../services.ts';
import { adminConnectionRoutes } from './connections.ts';
import { adminConnectorRoutes } from './connectors.ts';
import { adminTemplateRoutes } from './templates.ts';

export function adminConnectorApi(app: App, services: Services) {
  adminConnectorRoutes(app, services);
  adminConnectionRoutes(app, services);
  adminTemplateRoutes(app, services);
}
