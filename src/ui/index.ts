// Server-rendered pages, rate limited per IP. Helmet adds the CSP (with frame-ancestors
// 'none') to every response.
import type { FastifyInstance } from 'fastify';
import { surfaceLimit } from '../ops/rate-limit.ts';
import type { Services } from '../services.ts';
import { dashboardRoute, type DashboardSection } from './dashboard.ts';
import { loginLinkRoute } from './login-link.ts';
import { webhookPages } from './webhooks.ts';
import { teamPages, teamSection } from './team.ts';
import { loginRoutes } from './login.ts';
import { passwordSetRoutes } from './password-set.ts';
import { accountRoutes, accountSections } from './account.ts';
import { homeRoutes } from './home.ts';

/** `connections` is the connectors' dashboard section; the composition root passes it in, so the
 *  pages do not import the connector routes (which render with the pages' layout). */
export function uiPages(services: Services, connections: DashboardSection) {
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', surfaceLimit(app, services.config, 'pages'));
    homeRoutes(app, services);
    loginLinkRoute(app, services);
    dashboardRoute(app, services, [
      // The organization's things first, then the signed-in person's own (apps, password, sign-out).
      (request, reply, session) => teamSection(services, request, reply, session),
      connections,
      (request, reply, session) => accountSections(services, request, reply, session),
    ]);
    loginRoutes(app, services);
    passwordSetRoutes(app, services);
    accountRoutes(app, services);
    webhookPages(app, services);
    teamPages(app, services);
  };
}
