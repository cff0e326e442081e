// GET and POST /oauth/end-session: OpenID Connect RP-Initiated Logout 1.0. In order: read the
// request (§2), identify the client and check the post-logout redirect URI against what it
// registered (§3; while either is in doubt nothing is sent anywhere, so this is no open
// redirector), decide whether the person must be asked (§2), then end the Gatehouse browser
// session and send the browser back with `state` (§3), or say they are signed out.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../http/route-types.ts';
import { checkCsrf } from '../accounts/csrf.ts';
import type { Client } from '../clients/clients.ts';
import { errors, type AppError } from '../errors.ts';
import { END_SESSION_PATH } from '../http/paths.ts';
import { surfaceLimit } from '../ops/rate-limit.ts';
import type { Services } from '../services.ts';
import type { IdTokenHint } from './id-tokens.ts';

/** The hidden field that marks a POST as the person's answer to the confirmation page. */
const CONFIRM_FIELD = 'confirm';

/** What the confirmation page shows, and the fields its form posts back. */
export interface LogoutPrompt {
  /** Who is signed in now. */
  email: string;
  clientName: string | undefined;
  /** Where the form's answer redirects (the page's form-action must allow it), if anywhere. */
  postLogoutRedirectUri: string | undefined;
  /** Hidden fields for the form, CONFIRM_FIELD included; the page adds the CSRF token. */
  fields: Record<string, string>;
}

/**
 * The pages this endpoint shows. The composition root passes the ui's renderers in, so that
 * protocol code never imports the pages (see AuthorizePages).
 */
export interface EndSessionPages {
  confirm(services: Services, request: FastifyRequest, reply: FastifyReply, prompt: LogoutPrompt): FastifyReply;
  signedOut(reply: FastifyReply, clientName: string | undefined): FastifyReply;
}

const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;

// §2: id_token_hint, logout_hint, client_id, post_logout_redirect_uri, state and ui_locales.
// Other parameters are ignored, as the OAuth endpoints do (RFC 6749 §3.1).
const PARAMETERS = {
  id_token_hint: text(8192),
  logout_hint: text(2000),
  client_id: text(200),
  post_logout_redirect_uri: text(2000),
  state: text(2000),
  ui_locales: text(200),
} as const;

type Parameters = { [K in keyof typeof PARAMETERS]?: string };

interface LogoutRequest {
  client: Client | undefined;
  hint: IdTokenHint | undefined;
  postLogoutRedirectUri: string | undefined;
  state: string | undefined;
}

export function endSessionRoutes(services: Services, pages: EndSessionPages) {
  return async (app: App) => {
    app.addHook('onRequest', surfaceLimit(app, services.config, 'end-session'));
    const config = { audience: 'page' as const };
    const summary = 'End-session endpoint (OpenID Connect RP-Initiated Logout 1.0)';

    app.get(END_SESSION_PATH, { config, schema: { tags: ['oauth'], summary, querystring: { type: 'object', properties: PARAMETERS } } }, (request, reply) =>
      endSession(services, pages, request, reply, request.query, false),
    );

    app.post(
      END_SESSION_PATH,
      {
        config,
        schema: {
          tags: ['oauth'],
          summary: `${summary}: a relying party's form post, or the person's answer to the confirmation page`,
          body: { type: 'object', properties: { ...PARAMETERS, csrf: text(100), [CONFIRM_FIELD]: text(10) } },
        },
      },
      (request, reply) => {
        const { csrf, [CONFIRM_FIELD]: confirm, ...params } = request.body;
        if (confirm !== undefined) {
          checkCsrf(request, csrf);
          return endSession(services, pages, request, reply, params, true);
        }
        // §2 lets a relying party post the request as a form. Its page is on another site, so the
        // browser sends no SameSite=Lax session cookie with that post and this server cannot see
        // who is signed in: the same request again as a GET (RFC 9110 §15.4.4: 303), which is a
        // top-level navigation and carries the cookie.
        // The ID Token stays out of that URL (the relying party posted to keep it out of browser
        // history and logs): it is read here, and the GET names the client it was issued to
        // instead. Without the hint the person is asked first, as §2 wants for a hintless request.
        const { id_token_hint: hint, ...rest } = params;
        const query = new URLSearchParams(Object.entries(rest).filter((e): e is [string, string] => typeof e[1] === 'string'));
        const audience = typeof hint === 'string' ? services.idTokens.readHint(hint)?.audience : undefined;
        if (!query.has('client_id') && audience?.length === 1) query.set('client_id', audience[0]);
        return reply.header('cache-control', 'no-store').redirect(`${END_SESSION_PATH}?${query.toString()}`, 303);
      },
    );
  };
}

async function endSession(services: Services, pages: EndSessionPages, request: FastifyRequest, reply: FastifyReply, params: Parameters, confirmed: boolean) {
  reply.header('cache-control', 'no-store');
  const logout = await readRequest(services, request, params);
  const session = await services.browserSessions.current(request);
  // §2: the OP MUST ask the End-User whether to log out when no id_token_hint was given, or when
  // the one given does not belong to the signed-in End-User. (With nobody signed in there is
  // nothing to ask about.) A link from any other site therefore signs no one out unasked.
  const hintIsTheirs = logout.hint !== undefined && logout.hint.sub === session?.userId;
  if (session && !confirmed && !hintIsTheirs) {
    const user = await services.users.get(session.userId);
    const fields: Record<string, string> = { [CONFIRM_FIELD]: '1' };
    if (logout.client) fields.client_id = logout.client.id;
    if (logout.postLogoutRedirectUri) fields.post_logout_redirect_uri = logout.postLogoutRedirectUri;
    if (logout.state !== undefined) fields.state = logout.state;
    return pages.confirm(services, request, reply, {
      email: user.email,
      clientName: logout.client?.name,
      postLogoutRedirectUri: logout.postLogoutRedirectUri,
      fields,
    });
  }
  await services.browserSessions.end(request, reply);
  if (session) {
    services.audit.record({
      action: 'logout',
      outcome: 'success',
      actor: session.userId,
      clientId: logout.client?.id ?? null,
      ip: request.ip,
      details: { endpoint: 'end_session', confirmed },
    });
  }
  if (!logout.postLogoutRedirectUri) return pages.signedOut(reply, logout.client?.name);
  const back = new URL(logout.postLogoutRedirectUri);
  // §3: state, when the request had one, goes back unchanged.
  if (logout.state !== undefined) back.searchParams.append('state', logout.state);
  return reply.redirect(back.href, 303);
}

/** The request's parameters checked against the client's registration. Throws a 400 page naming the problem. */
async function readRequest(services: Services, request: FastifyRequest, params: Parameters): Promise<LogoutRequest> {
  const given = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);
  const clientId = given(params.client_id);
  const refuse = (error: AppError): AppError => {
    services.audit.record({ action: 'logout.refused', outcome: 'failure', ip: request.ip, clientId: clientId ?? null, details: { reason: error.message } });
    return error;
  };
  const mismatch = (message: string) => refuse(errors.of('configuration_mismatch', message));

  let hint: IdTokenHint | undefined;
  const rawHint = given(params.id_token_hint);
  if (rawHint !== undefined) {
    // §2: the OP MUST validate that it was the issuer of the ID Token; expired ones are accepted
    // (readHint checks the signature against our keys, the issuer and the token's kind).
    hint = services.idTokens.readHint(rawHint);
    if (!hint) {
      throw refuse(
        errors.Invalid('The id_token_hint is not an ID Token issued by this Gatehouse: it was altered, signed by another server, or is another kind of token.'),
      );
    }
    // §2: when both client_id and id_token_hint are present, the OP MUST verify that the Client
    // Identifier matches the one used when issuing the ID Token.
    if (clientId !== undefined && !hint.audience.includes(clientId)) {
      throw mismatch('The client_id does not match the application the id_token_hint was issued to.');
    }
  }
  const id = clientId ?? (hint?.audience.length === 1 ? hint.audience[0] : undefined);
  const client = id !== undefined ? await services.clients.find(id) : undefined;
  if (clientId !== undefined && !client) throw mismatch('The application that sent you here is not registered with Gatehouse (unknown client_id).');

  const uri = given(params.post_logout_redirect_uri);
  if (uri !== undefined) {
    if (!client) {
      throw mismatch(
        id === undefined
          ? 'post_logout_redirect_uri was sent without client_id or id_token_hint, so there is no application to check it against.'
          : 'The application the id_token_hint was issued to is no longer registered, so post_logout_redirect_uri cannot be checked.',
      );
    }
    // §3: the OP MUST NOT redirect unless the value exactly matches one the client registered
    // (simple string comparison, as for redirect URIs: RFC 9700 §4.1.3).
    if (!client.post_logout_redirect_uris.includes(uri)) throw mismatch('The post_logout_redirect_uri is not registered for this application.');
  }
  return { client, hint, postLogoutRedirectUri: uri, state: given(params.state) };
}
