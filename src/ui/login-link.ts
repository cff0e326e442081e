// GET /login-link/:token: the one-time link from seed 000's redirectUrl. Consumes the link and
// starts a browser session in one transaction, then sends the user to the dashboard. A used,
// expired or unknown link gets a page saying so, and no session.
import type { App } from '../http/route-types.ts';
import type { Consumed } from '../accounts/login-links.ts';
import { DASHBOARD_PATH, LOGIN_LINK_PATH } from '../http/paths.ts';
import type { Services } from '../services.ts';
import { noticePage } from './layout.ts';

const AGAIN = "Go back to your vendor's application and open Gatehouse from there again to get a new link.";

const REFUSALS: Record<Exclude<Consumed, { ok: true }>['reason'], [number, string, string]> = {
  unknown: [404, 'Sign-in link not recognised', 'This sign-in link is not valid.'],
  used: [410, 'Sign-in link already used', 'This sign-in link has already been used. Each link works only once.'],
  expired: [410, 'Sign-in link expired', 'This sign-in link has expired. Links work for a few minutes only.'],
  disabled: [403, 'Sign-in unavailable', "Your vendor's access to Gatehouse has been suspended, so this link cannot sign you in."],
};

export function loginLinkRoute(app: App, { storage, loginLinks, browserSessions, accounts, audit }: Services) {
  app.get(
    `${LOGIN_LINK_PATH}/:token`,
    {
      config: { audience: 'page' },
      schema: {
        tags: ['pages'],
        summary: 'Open a one-time login link: starts a browser session and redirects to the dashboard',
        params: { type: 'object', properties: { token: { type: 'string', maxLength: 200 } }, required: ['token'] },
      },
    },
    async (request, reply) => {
      const { token } = request.params;
      reply.header('cache-control', 'no-store');
      const result = await storage.db.transaction().execute(async (trx) => {
        const consumed = await loginLinks.consume(token, trx);
        if (!consumed.ok) return { consumed };
        const { user, ...session } = await accounts.startSession(consumed.link.user_id, 'otp', trx);
        return { consumed, session, user };
      });
      if (!result.consumed.ok) {
        const [status, title, message] = REFUSALS[result.consumed.reason];
        audit.record({ action: 'login_link.refused', outcome: 'failure', ip: request.ip, details: { reason: result.consumed.reason } });
        return reply
          .status(status)
          .type('text/html; charset=utf-8')
          .send(noticePage(title, message, AGAIN));
      }
      browserSessions.setCookie(reply, result.session!);
      audit.record({
        action: 'login_link.used',
        outcome: 'success',
        actor: result.user!.id,
        ip: request.ip,
        details: { organization_id: result.user!.organization_id },
      });
      // RFC 9110 §15.4.4: 303 so the browser follows with a GET.
      return reply.redirect(DASHBOARD_PATH, 303);
    },
  );
}
