// Who may use a connection: the operator (admin token), the organization's vendor (an access
// token of its OAuth client with scope vendor_manage), or a signed-in user of the organization
// (browser session). A connection outside the caller's reach answers 404, like one that does
// not exist.
import type { FastifyRequest } from 'fastify';
import { AppError, errors } from '../../errors.ts';
import { bearerHeaders, parseBearer } from '../../http/authorization.ts';
import { OPAQUE_PREFIX } from '../../oauth/tokens.ts';
import type { Services } from '../../services.ts';

export type Caller =
  | { kind: 'admin' }
  | { kind: 'vendor'; vendorId: string; clientId: string }
  | { kind: 'organization'; organizationId: string; userId: string };

const VENDOR_SCOPE = 'vendor_manage';

const REALM = 'gatehouse';

export function unauthorized(message: string): AppError {
  return errors.Unauthorized(message).with(bearerHeaders({ realm: REALM }));
}

/** The vendor behind an access token, when the token is a vendor client's with the scope. */
export async function vendorOf(services: Services, token: string): Promise<Caller | undefined> {
  // Only a JWT or an opaque Gatehouse token can be one (the admin token is neither): skip the rest.
  if (!token.startsWith(OPAQUE_PREFIX) && token.split('.').length !== 3) return undefined;
  const active = await services.tokens.inspect(token);
  if (!active) return undefined;
  const client = String(active.client_id ?? '');
  const vendor = await services.vendors.findByClient(client);
  if (!vendor || vendor.disabled_at) throw errors.Forbidden('this access token does not belong to an enabled vendor');
  if (
    !String(active.scope ?? '')
      .split(' ')
      .includes(VENDOR_SCOPE)
  ) {
    throw errors
      .InsufficientScope(`this request needs the ${VENDOR_SCOPE} scope`)
      .with(bearerHeaders({ realm: REALM, error: 'insufficient_scope', scope: VENDOR_SCOPE }));
  }
  return { kind: 'vendor', vendorId: vendor.id, clientId: client };
}

// A cookie-authenticated call must come from Gatehouse's own pages, not from another site the
// browser happens to be on (the session cookie is SameSite=Lax, which still admits top-level GETs).
function sameOrigin(request: FastifyRequest, publicUrl: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  return origin === undefined || origin === new URL(publicUrl).origin;
}

export async function authenticate(request: FastifyRequest, services: Services): Promise<Caller> {
  const credentials = parseBearer(request.headers.authorization);
  if (credentials.kind !== 'absent') {
    if (credentials.kind !== 'token') throw unauthorized('the Authorization header must be "Bearer <token>"');
    const vendor = await vendorOf(services, credentials.token);
    if (vendor) return vendor;
    services.adminAuth.verify(request); // throws 401 unless it is the admin token
    return { kind: 'admin' };
  }
  const session = await services.browserSessions.current(request);
  if (session) {
    if (!sameOrigin(request, services.config.publicUrl)) throw errors.Forbidden('cross-site requests with the session cookie are refused');
    return { kind: 'organization', organizationId: session.organizationId, userId: session.userId };
  }
  throw unauthorized('credentials are required: the admin token, a vendor access token, or an organization session');
}

/** True when the caller may act for the organization (of the given vendor). */
export function reaches(caller: Caller, organizationId: string, vendorId: string): boolean {
  if (caller.kind === 'admin') return true;
  if (caller.kind === 'vendor') return caller.vendorId === vendorId;
  return caller.organizationId === organizationId;
}
