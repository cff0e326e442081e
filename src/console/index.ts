// The operator console under /console: a second face of the admin API, server-rendered with the
// pages' layout, calling the same services the admin routes call. Everything but sign-in and the
// set-password link needs a console session (an operator account or the admin token); a user's
// browser session counts for nothing here. GATEHOUSE_CONSOLE_ALLOW limits the console to client
// addresses (request.ip, which honours GATEHOUSE_TRUST_PROXY); other addresses get a 404, as if
// the console were switched off.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';
import { errors } from '../errors.ts';
import { CONSOLE_PATH } from '../http/paths.ts';
import { surfaceLimit } from '../ops/rate-limit.ts';
import type { Services } from '../services.ts';
import { html, noticePage } from '../ui/layout.ts';
import { consoleAuditRoutes } from './audit.ts';
import { consoleClientRoutes } from './clients.ts';
import { consoleConnectionRoutes } from './connections.ts';
import { consoleConnectorRoutes } from './connectors.ts';
import { consoleKeyRoutes } from './keys.ts';
import { consoleOperatorRoutes } from './operators.ts';
import { consoleOrganizationRoutes } from './organization.ts';
import { consoleOrganizationListRoute } from './organizations.ts';
import { consoleOverviewRoute } from './overview.ts';
import { signInRoutes } from './sign-in.ts';
import { consoleVendorRoutes } from './vendors.ts';
import { consoleWebhookRoutes } from './webhooks.ts';
import { COPY_SCRIPT, COPY_SCRIPT_PATH } from './view.ts';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Whether `ip` is in one of the ranges (an IPv4-mapped IPv6 address counts as its IPv4 form). */
function allowedBy(ranges: Range[], ip: string): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  return ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

function ranges(list: string[]): Range[] {
  return list.map((entry) => {
    if (entry.includes('/')) return ipaddr.parseCIDR(entry);
    const address = ipaddr.parse(entry);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  });
}

export function consolePages(services: Services) {
  const allow = services.config.console.allow ? ranges(services.config.console.allow) : undefined;
  return async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), audience: 'page' } as typeof route.config;
      route.schema = { tags: ['console'], ...route.schema };
    });
    app.addHook('onRequest', async (request) => {
      if (allow && !allowedBy(allow, request.ip)) throw errors.NotFound(`no route for ${request.method} ${request.url.split('?')[0]}`);
    });
    app.addHook('onRequest', surfaceLimit(app, services.config, 'pages'));
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.routeOptions.config.signedOut) return;
      const current = await services.operatorSessions.current(request);
      if (current) {
        request.consoleSession = current;
        return;
      }
      return reply
        .status(401)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(
          noticePage(
            'Not signed in',
            'The console needs an operator sign-in; an organization account does not open it.',
            html`<a href="${CONSOLE_PATH}/login">Sign in to the console</a> with an operator account or the admin token.`,
            401,
          ),
        );
    });

    app.get(COPY_SCRIPT_PATH, { config: { signedOut: true }, schema: { summary: 'The console copy button (script)', hide: true } }, async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(COPY_SCRIPT),
    );
    signInRoutes(app, services);
    consoleOverviewRoute(app, services);
    consoleClientRoutes(app, services);
    consoleVendorRoutes(app, services);
    consoleOrganizationListRoute(app, services);
    consoleOrganizationRoutes(app, services);
    consoleConnectorRoutes(app, services);
    consoleKeyRoutes(app, services);
    consoleAuditRoutes(app, services);
    consoleOperatorRoutes(app, services);
    consoleWebhookRoutes(app, services);
    consoleConnectionRoutes(app, services);
  };
}
