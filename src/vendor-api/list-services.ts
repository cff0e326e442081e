// GET /api/vendor-api/organization/services: the services recorded through this integration.
import type { App } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import { errorResponses } from '../http/oem-surface.ts';
import { listServices, serviceView } from './records.ts';
import { pageOf, pageQuery, security, serviceItem } from './schemas.ts';

const list = {
  type: 'object',
  properties: { status: { type: 'integer' }, services: { type: 'array', items: serviceItem }, nextCursor: { type: ['string', 'null'] } },
  required: ['status', 'services', 'nextCursor'],
};

export function listServicesRoute(app: App, { storage }: Services) {
  app.get(
    '/organization/services',
    {
      schema: { summary: 'List services', security, querystring: pageQuery, response: { 200: list, ...errorResponses } },
    },
    async (request) => {
      const { items, next } = await listServices(storage.db, request.vendorContext!.integrationId, pageOf(request.query));
      return { status: 200, services: items.map(serviceView), nextCursor: next };
    },
  );
}
