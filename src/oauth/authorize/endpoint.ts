// GET /oauth/authorize (RFC 6749 §3.1) and the consent decision. In order: validate the request
// (a bad client or redirect URI is a page, anything else an error sent to the client), make
// sure someone is signed in, ask for consent unless remembered or the client skips it, answer.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../http/route-types.ts';
import { checkCsrf } from '../../accounts/csrf.ts';
import { oauthDescription } from '../../errors.ts';
import { AUTHORIZE_PATH, DECISION_PATH, signInUrl } from '../../http/paths.ts';
import { surfaceLimit } from '../../ops/rate-limit.ts';
import type { CurrentSession } from '../../accounts/sessions.ts';
import type { Services } from '../../services.ts';
import { completeAuthorization } from './complete.ts';
import {
  AuthorizationError,
  CARRIED,
  ConfigurationMismatch,
  parseAuthorizationRequest,
  sealMark,
  replyUrl,
  type AuthorizationRequest,
  type RawParams,
} from './request.ts';

type Step = 'request' | 'decision';

/**
 * Why the user must sign in (again) before this request can be answered, or undefined: nobody
 * signed in, prompt=login or select_account (OIDC Core §3.1.2.1), a sign-in older than max_age,
 * or an id_token_hint naming another user. A sign-in made since the request sent the user to
 * the sign-in page (login_after) satisfies the first three.
 */
/** Whether the session began after this request sent the user to sign in (its sealed login_after mark). */
function signedInSince(authz: AuthorizationRequest, session: CurrentSession): boolean {
  const { loginAfter } = authz.openid;
  return loginAfter !== undefined && Math.floor(session.authTime.getTime() / 1000) >= loginAfter;
}

function signInNeeded(authz: AuthorizationRequest, session: CurrentSession | undefined): string | undefined {
  if (!session) return 'no one is signed in';
  const { prompt, maxAge, idTokenHint } = authz.openid;
  const authTime = Math.floor(session.authTime.getTime() / 1000);
  if (idTokenHint && idTokenHint.sub !== session.userId) return 'id_token_hint names another user than the one signed in';
  if (signedInSince(authz, session)) return undefined;
  if (prompt.has('login') || prompt.has('select_account')) return 'the client asked for a new sign-in (prompt)';
  if (maxAge !== undefined && Date.now() / 1000 - authTime > maxAge) return `the sign-in is older than max_age (${maxAge} s)`;
  return undefined;
}

/**
 * The pages this endpoint shows. The composition root passes the ui's renderers in, so that
 * protocol code never imports the pages (and the pages may import the protocol's types).
 */
export interface AuthorizePages {
  consent(services: Services, request: FastifyRequest, reply: FastifyReply, authz: AuthorizationRequest, params: RawParams, email: string): FastifyReply;
  notice(title: string, message: string, next: string): string;
}

export function authorizeRoutes(services: Services, pages: AuthorizePages) {
  return async (app: App) => {
    app.addHook('onRequest', surfaceLimit(app, services.config, 'authorize'));
    const config = { audience: 'page' as const };

    app.get(
      AUTHORIZE_PATH,
      {
        config,
        schema: {
          tags: ['oauth'],
          summary: 'Authorization endpoint (RFC 6749 §3.1): code with PKCE S256, or token for clients that enable implicit',
          querystring: { type: 'object' },
        },
      },
      (request, reply) => authorize(services, pages, request, reply, request.query, 'request'),
    );

    app.post(
      DECISION_PATH,
      {
        config,
        schema: {
          tags: ['oauth'],
          summary: 'The consent decision (form)',
          body: {
            type: 'object',
            required: ['csrf'],
            properties: { csrf: { type: 'string', maxLength: 100 }, decision: { type: 'string', enum: ['allow', 'deny'] } },
          },
        },
      },
      (request, reply) => {
        checkCsrf(request, request.body.csrf);
        return authorize(services, pages, request, reply, request.body, 'decision');
      },
    );
  };
}

async function authorize(services: Services, pages: AuthorizePages, request: FastifyRequest, reply: FastifyReply, params: RawParams, step: Step) {
  const { audit, metrics, authorizations } = services;
  reply.header('cache-control', 'no-store');
  try {
    const authz = await parseAuthorizationRequest(params, services);
    const { prompt } = authz.openid;
    const session = await services.browserSessions.current(request);
    // The consent form answers a request already checked for a fresh enough sign-in: only the
    // request step asks for one (the decision needs the same signed-in user, by its CSRF token).
    const signIn = step === 'request' ? signInNeeded(authz, session) : session ? undefined : 'no one is signed in';
    if (session && authz.openid.idTokenHint && authz.openid.idTokenHint.sub !== session.userId && signedInSince(authz, session)) {
      // The user was asked to sign in as the hint's subject and signed in as someone else:
      // asking again would loop; §3.1.2.1 says to answer with an error such as login_required.
      throw new AuthorizationError('login_required', 'the signed-in user is not the one id_token_hint names', authz);
    }
    if (signIn) {
      // OIDC Core §3.1.2.6: prompt=none shows no page; the client hears why one was needed.
      if (prompt.has('none')) throw new AuthorizationError('login_required', `the user must sign in: ${signIn}`, authz);
      const query = new URLSearchParams(
        CARRIED.filter((n) => n !== 'login_after' && typeof params[n] === 'string').map((n): [string, string] => [n, params[n] as string]),
      );
      // prompt=login and max_age are satisfied by a sign-in made from now on; without the mark
      // the request would send the user back to sign in forever.
      query.set('login_after', sealMark(services.sealer, authz.client.id));
      return reply.redirect(signInUrl(`${AUTHORIZE_PATH}?${query.toString()}`), 303);
    }
    const current = session!;
    const user = await services.users.get(current.userId);
    const grantUser = { id: user.id, organizationId: user.organization_id, credentialVersion: user.credential_version };
    const client = authz.client;
    const record = (action: string, ok: boolean) =>
      audit.record({ action, outcome: ok ? 'success' : 'failure', actor: user.id, clientId: client.id, ip: request.ip, details: { scope: authz.scope } });
    if (step === 'decision') {
      if ((params as { decision?: string }).decision !== 'allow') {
        metrics.consents.inc({ decision: 'denied' });
        record('consent.denied', false);
        return reply.redirect(replyUrl(authz, services.config.publicUrl, { error: 'access_denied', error_description: 'the user denied the request' }), 303);
      }
      if (!client.skip_consent) await authorizations.rememberConsent(user.id, client.id, authz.scope);
      metrics.consents.inc({ decision: 'granted' });
      record('consent.granted', true);
    } else if (prompt.has('consent')) {
      // OIDC Core §3.1.2.1: prompt=consent asks again, whatever was remembered or configured.
      return pages.consent(services, request, reply, authz, params, user.email);
    } else if (client.skip_consent) {
      metrics.consents.inc({ decision: 'skipped' });
    } else if (await authorizations.hasConsent(user.id, client.id, authz.scope)) {
      metrics.consents.inc({ decision: 'remembered' });
    } else if (prompt.has('none')) {
      throw new AuthorizationError('consent_required', 'the user has not consented to this client and scope', authz);
    } else {
      return pages.consent(services, request, reply, authz, params, user.email);
    }
    if (step === 'request' && prompt.has('none') && authz.openid.loginHint !== undefined && authz.openid.loginHint.trim().toLowerCase() !== user.email) {
      // Another account than the signed-in one is wanted: choosing it takes a page. Asked only
      // once consent is settled, so a client the user never approved learns nothing about who
      // is signed in from the difference.
      throw new AuthorizationError('interaction_required', 'login_hint names another account than the one signed in', authz);
    }
    return completeAuthorization(services, request, reply, authz, grantUser, { authTime: current.authTime, amr: current.amr });
  } catch (error) {
    if (error instanceof AuthorizationError) {
      audit.record({
        action: 'authorize.refused',
        outcome: 'failure',
        ip: request.ip,
        clientId: typeof params.client_id === 'string' ? params.client_id : null,
        details: { error: error.code },
      });
      return reply.redirect(replyUrl(error.target, services.config.publicUrl, { error: error.code, error_description: oauthDescription(error.message) }), 303);
    }
    if (error instanceof ConfigurationMismatch) {
      audit.record({ action: 'authorize.configuration_mismatch', outcome: 'failure', ip: request.ip, details: { reason: error.message } });
      request.errorCode = error.code;
      return reply
        .status(400)
        .type('text/html; charset=utf-8')
        .send(
          pages.notice(
            'Configuration mismatch',
            error.message,
            "The application's sign-in settings do not match what is registered with Gatehouse. Contact the application's publisher.",
          ),
        );
    }
    throw error;
  }
}
