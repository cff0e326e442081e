// GET /oauth2/redirect_url: Gatehouse's one redirect URI for every connector. The vendor sends
// the browser back with a code (RFC 6749 §4.1.2) or an error (§4.1.2.1); either is matched to
// the attempt by `state` and this browser's binding cookie, recorded, and shown plainly.
import type { FastifyReply } from 'fastify';
import type { App } from '../../http/route-types.ts';
import type { Services } from '../../services.ts';
import { html } from '../../ui/layout.ts';
import { sendPage } from '../../ui/forms.ts';
import { DASHBOARD_PATH } from '../../http/paths.ts';
import { REDIRECT_PATH } from '../authorization.ts';
import { VendorTokenError } from '../token-endpoint.ts';
import { BINDING_COOKIE } from './binding.ts';

// Vendors add their own parameters (iss, scope, session_state...): accept any text. The schema
// types every parameter as text; Query names the ones this route reads, any of them may be absent.
const querystring = { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 } } as const;

type Query = { code?: string; state?: string; error?: string; error_description?: string; iss?: string };

function failed(reply: FastifyReply, status: number, name: string, reason: string, next: string) {
  return sendPage(
    reply,
    status,
    'Connection failed',
    html`<h1>Could not connect ${name}</h1>
<div class="notice"><p id="reason">${reason}</p><p>${next}</p></div>`,
  );
}

export function callbackRoute(app: App, services: Services) {
  const { authorization } = services.connectors;
  app.get(
    REDIRECT_PATH,
    {
      config: { audience: 'page' },
      schema: { tags: ['pages'], summary: 'The redirect URI every connector registers with its vendor', querystring },
    },
    async (request, reply) => {
      const query: Query = request.query;
      const pending = await authorization.consume(query.state, request.cookies?.[BINDING_COOKIE]);
      const { connector, organizationId } = pending;
      const name = connector.definition.name;
      const record = (outcome: 'success' | 'failure', details: Record<string, unknown>) =>
        services.audit.record({
          action: outcome === 'success' ? 'connection.connected' : 'connection.authorization_failed',
          outcome,
          actor: pending.userId ?? 'connect-link',
          ip: request.ip,
          details: { connector_id: connector.id, organization_id: organizationId, ...details },
        });
      const back = pending.userId ? html`<a href="${DASHBOARD_PATH}">Back to the dashboard</a>` : html``;
      // RFC 9207 §2.4: one redirect URI serves every connector, so a vendor that names itself must
      // be the one this attempt went to (a mix-up defence, RFC 9700 §4.4), errors included.
      const issuer = connector.definition.issuer;
      if (issuer !== null && query.iss !== issuer) {
        record('failure', { error: 'issuer_mismatch', iss: query.iss ?? null });
        return failed(
          reply,
          400,
          name,
          `The answer came from ${query.iss ? `"${query.iss}"` : 'an unnamed issuer'}, not from ${issuer}.`,
          'Nothing was connected. Start again from Gatehouse.',
        );
      }
      if (query.error !== undefined) {
        record('failure', { error: query.error, error_description: query.error_description ?? null });
        const description = query.error_description ? ` (${query.error_description})` : '';
        const status = query.error === 'access_denied' ? 403 : 400;
        return failed(reply, status, name, `${name} answered: ${query.error}${description}.`, 'Nothing was connected. You can start again when ready.');
      }
      if (!query.code) {
        record('failure', { error: 'missing_code' });
        return failed(reply, 400, name, `${name} sent no authorization code.`, 'Nothing was connected. Start again from Gatehouse.');
      }
      try {
        const { connection } = await authorization.complete(pending, query.code);
        record('success', { connection_id: connection.id });
        return sendPage(
          reply,
          200,
          'Connected',
          html`<h1>Connected to ${name}</h1>
<p id="connection" data-connection-id="${connection.id}">The connection is active. Gatehouse keeps its tokens encrypted and refreshes them.</p><p>${back}</p>`,
        );
      } catch (error) {
        if (!(error instanceof VendorTokenError)) throw error;
        record('failure', { error: error.message });
        return failed(
          reply,
          502,
          name,
          `${name} did not accept the authorization: ${error.message}.`,
          'Nothing was connected. Start again, or ask your operator to check the connector.',
        );
      }
    },
  );
}
