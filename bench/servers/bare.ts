// The ceiling: a bare Fastify route that parses the same form body and answers a constant
// token response. Nothing authenticates, signs or stores anything.
import Fastify from 'fastify';
import formbody from '@fastify/formbody';

const app = Fastify({ logger: false });
await app.register(formbody);
const body = {
  access_token: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl',
  token_type: 'Bearer',
  expires_in: 3600,
  scope: 'read',
};
app.post(
  '/oauth/token',
  {
    schema: {
      response: {
        200: {
          type: 'object',
          properties: { access_token: { type: 'string' }, token_type: { type: 'string' }, expires_in: { type: 'integer' }, scope: { type: 'string' } },
        },
      },
    },
  },
  async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return body;
  },
);
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}` }) + '\n');
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
