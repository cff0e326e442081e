// Admin API: audit events, newest first, filtered.
import type { App } from '../http/route-types.ts';
import { serialId } from '../ops/validation.ts';
import type { Services } from '../services.ts';
import { auditView } from './schemas.ts';

export function adminAuditRoutes(app: App, { audit }: Services) {
  app.get(
    '/audit-events',
    {
      schema: {
        tags: ['admin: audit'],
        summary: 'List audit events (newest first)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            action: { type: 'string', maxLength: 100 },
            outcome: { type: 'string', enum: ['success', 'failure'] },
            actor: { type: 'string', maxLength: 200 },
            client_id: { type: 'string', maxLength: 200 },
            since: { type: 'string', format: 'date-time' },
            until: { type: 'string', format: 'date-time' },
            before_id: serialId,
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
        response: { 200: { type: 'object', properties: { events: { type: 'array', items: auditView } } } },
      },
    },
    async (request) => ({ events: await audit.list(request.query) }),
  );
}
