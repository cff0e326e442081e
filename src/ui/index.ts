// Server-rendered pages, rate limited per IP. Helmet adds the CSP (with frame-ancestors
// 'none') to every response.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import { dashboardRoute } from './dashboard.ts';
import { loginLinkRoute } from './login-link.ts';
import { webhookPages } from './webhooks.ts';
import { teamPages, teamSection } from './team.ts';
import { loginRoutes } from './login.ts';
import { passwordSetRoutes } from './password-set.ts';
import { accountRoutes, accountSections } from './account.ts';
import { connectionsSection } from '../connectors/http/index.ts';
import { homeRoutes } from './home.ts';

export function uiPages(services: Services) {
  return async (app: FastifyInstance) => {
    const { perIp, windowMs } = services.config.pageRateLimit;
    app.addHook('onRequest', app.rateLimit({ max: perIp, timeWindow: windowMs, groupId: 'pages-ip' }));
    homeRoutes(app, services);
    loginLinkRoute(app, services);
    dashboardRoute(app, services, [
      // The organization's things first, then the signed-in person's own (apps, password, sign-out).
      (request, reply, session) => teamSection(services, request, reply, session),
      (request, reply, session) => connectionsSection(services, request, reply, session),
      (request, reply, session) => accountSections(services, request, reply, session),
    ]);
    loginRoutes(app, services);
    passwordSetRoutes(app, services);
    accountRoutes(app, services);
    webhookPages(app, services);
    teamPages(app, services);
  };
}
