// ANY /api/connections/{id}/proxy/*: a call to the vendor's API as the connection, with the
// credential injected by Gatehouse and never shown to the caller. Bodies pass through untouched
// (any content type, up to the body limit); the answer streams back with hop-by-hop headers
// removed and under a sandboxing CSP, since it is the vendor's content on Gatehouse's origin.
// Only the methods the connector allows are forwarded (405 otherwise), and an organization
// member who is not an admin may use only the connector's member methods (safe ones by default).
// The call keeps within the vendor's limits (proxy/vendor-limits.ts): the connector's rateLimit,
// and the vendor's own 429 or 503 with Retry-After.
import type { FastifyRequest } from 'fastify';
import type { App } from '../../http/route-types.ts';
import { adminRoleIn } from '../../accounts/organization-admin.ts';
import { errors } from '../../errors.ts';
import type { Services } from '../../services.ts';
import type { ConnectorDefinition } from '../definition.ts';
import { notFound } from '../connections.ts';
import { forwardWithinLimits } from '../proxy/vendor-limits.ts';
import { authenticate, reaches, type Caller } from './caller.ts';

const PROXY_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'";
const NO_BODY = new Set([204, 205, 304]);
/** A body this small, of announced length, is sent with the head in one write instead of streamed. */
const SMALL = 16 * 1024;

const params = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }, '*': { type: 'string' } },
} as const;

/** The raw path and query after `/proxy`, as the caller encoded them. */
function restOf(request: FastifyRequest): string {
  const raw = request.raw.url ?? '';
  const at = raw.indexOf('/proxy/');
  return at === -1 ? '/' : raw.slice(at + '/proxy'.length);
}

/** Refuse a method the connector does not forward, or one this caller may not use. */
async function checkMethod(services: Services, caller: Caller, method: string, definition: ConnectorDefinition): Promise<void> {
  const allowed: readonly string[] = definition.proxyMethods;
  if (!allowed.includes(method)) {
    // RFC 9110 §15.5.6: a 405 lists the methods the target does support.
    throw errors.MethodNotAllowed(`this connector does not forward ${method} (it allows ${allowed.join(', ')})`).with({ allow: allowed.join(', ') });
  }
  if (caller.kind !== 'organization') return;
  const member: readonly string[] = definition.memberMethods;
  if (member.includes(method)) return;
  if (!(await adminRoleIn(services.storage.db, caller.organizationId, caller.userId))) {
    throw errors.Forbidden(`organization members who are not admins may use only ${member.join(', ') || 'no methods'} through this connector`);
  }
}

export function proxyRoutes(services: Services) {
  return async (app: App) => {
    // Whatever the caller sends is the vendor's business: keep the bytes, parse nothing.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: services.config.bodyLimit }, (_request, body, done) => done(null, body));
    const { credentials, outbound, outboundLimit } = services.connectors;
    app.all(
      '/api/connections/:id/proxy/*',
      {
        exposeHeadRoute: false,
        config: { audience: 'admin', forwardsInput: true },
        schema: {
          tags: ['connections'],
          params,
          summary: "Call the vendor's API as this connection (admin token, the organization's vendor, or an organization session)",
          security: [{ adminToken: [] }, { oemAccessToken: [] }],
        },
      },
      async (request, reply) => {
        // Failed authentications are limited per address before any credential is looked at.
        const caller = await services.authFailures.guard(
          request,
          'connector_proxy',
          () => authenticate(request, services),
          () => services.adminAuth.recordFailure(request),
        );
        const { id } = request.params;
        const live = await credentials.live(id);
        if (!live || !reaches(caller, live.organizationId, live.vendorId)) throw notFound(id);
        await checkMethod(services, caller, request.method, live.connector.definition);
        const body = request.body instanceof Buffer ? request.body : undefined;
        const answer = await forwardWithinLimits(outbound, credentials, outboundLimit, live, {
          method: request.method,
          rest: restOf(request),
          headers: request.headers,
          body,
        });
        reply.status(answer.status).headers(answer.headers).header('content-security-policy', PROXY_CSP);
        if (request.method === 'HEAD' || NO_BODY.has(answer.status)) {
          await answer.body.dump(); // there is nothing to read; this frees the connection
          return reply.send();
        }
        const length = Number(answer.headers['content-length'] ?? NaN);
        if (length <= SMALL && !answer.headers['content-encoding']) return reply.send(Buffer.from(await answer.body.arrayBuffer()));
        return reply.send(answer.body);
      },
    );
  };
}
