// Admin API: OAuth clients.
import type { App } from '../http/route-types.ts';
import { publicView } from '../clients/clients.ts';
import type { Services } from '../services.ts';
import { adminError, clientInput, clientView, clientWithSecret, idParam, noBody } from './schemas.ts';

export function adminClientRoutes(app: App, { clients, audit }: Services) {
  const tags = ['admin: clients'];
  const errors = { '4xx': adminError };
  const record = (action: string, clientId: string, ip: string) => audit.record({ action, outcome: 'success', actor: 'admin', clientId, ip });

  app.post(
    '/clients',
    {
      schema: {
        tags,
        summary: 'Create a client (the secret is shown once)',
        body: { ...clientInput, required: ['name'] },
        response: { 201: clientWithSecret, ...errors },
      },
    },
    async (request, reply) => {
      const { client, secret } = await clients.create(request.body);
      record('client.created', client.id, request.ip);
      return reply.status(201).send({ ...publicView(client), client_secret: secret });
    },
  );

  app.get(
    '/clients',
    { schema: { tags, summary: 'List clients', response: { 200: { type: 'object', properties: { clients: { type: 'array', items: clientView } } } } } },
    async () => ({ clients: (await clients.list()).map(publicView) }),
  );

  app.get('/clients/:id', { schema: { tags, summary: 'Get a client', params: idParam, response: { 200: clientView, ...errors } } }, async (request) =>
    publicView(await clients.get(request.params.id)),
  );

  app.patch(
    '/clients/:id',
    {
      schema: { tags, summary: 'Update a client', params: idParam, body: clientInput, response: { 200: clientView, ...errors } },
    },
    async (request) => {
      const client = await clients.update(request.params.id, request.body);
      record('client.updated', client.id, request.ip);
      return publicView(client);
    },
  );

  app.delete(
    '/clients/:id',
    { schema: { tags, summary: 'Delete a client', params: idParam, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      const { id } = request.params;
      await clients.remove(id);
      record('client.deleted', id, request.ip);
      return reply.status(204).send();
    },
  );

  app.post(
    '/clients/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'Replace the client secret (the new one is shown once)',
        params: idParam,
        body: noBody,
        response: { 200: clientWithSecret, ...errors },
      },
    },
    async (request) => {
      const { client, secret } = await clients.rotateSecret(request.params.id);
      record('client.secret_rotated', client.id, request.ip);
      return { ...publicView(client), client_secret: secret };
    },
  );
}
