// Server-rendered pages, rate limited per IP. Helmet adds the CSP (with frame-ancestors
// 'none') to every response.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { dashboardRoute } from './dashboard.ts';
import { loginLinkRoute } from './login-link.ts';
import { webhookPages } from './webhooks.ts';

export function uiPages(services: Services) {
  return async (app: FastifyInstance) => {
    const { perIp, windowMs } = services.config.oemRateLimit;
    app.addHook('onRequest', app.rateLimit({ max: perIp, timeWindow: windowMs, groupId: 'pages-ip' }));
    loginLinkRoute(app, services);
    dashboardRoute(app, services);
    webhookPages(app, services);
  };
}
