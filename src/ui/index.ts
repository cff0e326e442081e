// Server-rendered pages. Helmet adds the CSP (with frame-ancestors 'none') to every response.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { dashboardRoute } from './dashboard.ts';
import { loginLinkRoute } from './login-link.ts';

export function uiRoutes(app: FastifyInstance, services: Services) {
  const { perIp, windowMs } = services.config.oemRateLimit;
  const limit = app.rateLimit({ max: perIp, timeWindow: windowMs, groupId: 'pages-ip' });
  app.register(async (pages) => {
    pages.addHook('onRequest', limit);
    loginLinkRoute(pages, services);
    dashboardRoute(pages, services);
  });
}
