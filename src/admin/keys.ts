// Admin API: signing keys.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { keyView, noBody } from './schemas.ts';

export function adminKeyRoutes(app: FastifyInstance, { keystore, audit }: Services) {
  const tags = ['admin: keys'];
  const list = { type: 'object', properties: { keys: { type: 'array', items: keyView } } };
  app.get('/keys', { schema: { tags, summary: 'List signing keys (public parts)', response: { 200: list } } }, async () => ({ keys: keystore.list() }));
  app.post(
    '/keys/rotate',
    { schema: { tags, summary: 'Rotate: next becomes current, current is kept until its tokens expire', body: noBody, response: { 200: list } } },
    async (request) => {
      const keys = await keystore.rotate();
      audit.record({
        action: 'key.rotated',
        outcome: 'success',
        actor: 'admin',
        ip: request.ip,
        details: { current: keys.find((k) => k.status === 'current')?.kid },
      });
      return { keys };
    },
  );
}
