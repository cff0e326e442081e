// The MSP API (seed 002) under /api/msp/v1: an MSP app manages its organization's webhook
// subscriptions with a Bearer token carrying scope webhooks:manage (seed 002: the one it got
// through the implicit grant). Rate limited per IP; errors answer {error: {code, message}}.
import type { FastifyInstance } from 'fastify';
import { surfaceLimit } from '../ops/rate-limit.ts';
import type { Services } from '../services.ts';
import { webhookRoutes } from '../webhooks/http/index.ts';
import { MspAuth } from './auth.ts';

export function mspApi(services: Services) {
  const auth = new MspAuth(services.tokens);
  return async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), audience: 'msp' } as typeof route.config;
      route.schema = { ...route.schema, security: [{ mspToken: [] }] };
    });
    app.addHook('onRequest', surfaceLimit(app, services.config, 'msp'));
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });
    app.addHook('onRequest', auth.check);
    webhookRoutes(app, {
      services,
      base: '',
      baseParams: {},
      tags: ['msp: webhooks'],
      organizationOf: (request) => request.mspCaller!.organizationId,
      actor: (request) => request.mspCaller!.subject,
    });
  };
}
