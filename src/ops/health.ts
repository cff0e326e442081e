// Liveness and readiness.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Services } from '../services.ts';

export function healthRoutes(app: FastifyInstance, { storage }: Services) {
  const status = { type: 'object', properties: { status: { type: 'string' } } };
  const schema = { tags: ['operations'], response: { 200: status, 503: status } };
  app.get('/healthz', { schema: { ...schema, summary: 'The process is up' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { ...schema, summary: 'The database answers' } }, async (request, reply) => {
    try {
      await sql`select 1`.execute(storage.db);
      return { status: 'ready' };
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      return reply.status(503).send({ status: 'database unreachable' });
    }
  });
}
