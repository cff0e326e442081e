// Liveness and readiness.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Services } from '../services.ts';

export function healthRoutes(app: FastifyInstance, { storage, redis }: Services) {
  // redis (with REDIS_URL): "up" or "down"; down leaves the instance ready (limits count in memory).
  const status = { type: 'object', properties: { status: { type: 'string' }, redis: { type: 'string', enum: ['up', 'down'] } } };
  const redisState = () => (redis ? { redis: redis.up ? 'up' : 'down' } : {});
  const schema = { tags: ['operations'], response: { 200: status, 503: status } };
  app.get('/healthz', { schema: { ...schema, summary: 'The process is up' } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { ...schema, summary: 'The database answers' } }, async (request, reply) => {
    try {
      await sql`select 1`.execute(storage.db);
      return { status: 'ready', ...redisState() };
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      return reply.status(503).send({ status: 'database unreachable', ...redisState() });
    }
  });
}
