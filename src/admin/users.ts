// Admin API: users. A one-time link to set a password (users created through the OEM API have
// none), and removing a user (their tokens die at once).
import type { FastifyInstance } from 'fastify';
import { removeUser } from '../accounts/users.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { adminError, idParam } from './schemas.ts';

const link = {
  type: 'object',
  properties: { user_id: { type: 'string' }, url: { type: 'string' }, expires_at: { type: 'string' } },
};

export function adminUserRoutes(app: FastifyInstance, { storage, passwordLinks, accounts, audit }: Services) {
  const tags = ['admin: users'];
  const errors = { '4xx': adminError };

  app.post('/users/:id/password-link', {
    schema: { tags, summary: 'Create a one-time link for the user to set a password (shown once)', params: idParam, response: { 201: link, ...errors } },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    const user = await storage.db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst();
    if (!user) throw new AppError(404, 'not_found', `user "${id}" does not exist`);
    const created = await passwordLinks.create(id);
    audit.record({ action: 'password_link.created', outcome: 'success', actor: 'admin', ip: request.ip, details: { user_id: id, expires_at: created.expiresAt.toISOString() } });
    return reply.status(201).send({ user_id: id, url: created.url, expires_at: created.expiresAt.toISOString() });
  });

  app.delete('/users/:id', {
    schema: { tags, summary: "Remove a user: their sessions end and every token issued to them stops working", params: idParam, response: { 204: { type: 'null' }, ...errors } },
  }, async (request, reply) => {
    const { id } = request.params as { id: string };
    await removeUser(storage.db, accounts, id);
    audit.record({ action: 'user.removed', outcome: 'success', actor: 'admin', ip: request.ip, details: { user_id: id } });
    return reply.status(204).send();
  });
}
