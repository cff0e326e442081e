// Who is calling the OEM API. Seed 000 puts client credentials in the JSON body (clientId,
// clientSecret, grantType "client_credentials", scope); a Bearer access token from
// /oauth/token carrying the scope is accepted too (seed 001 uses one for integrations).
// Either way the client must belong to an enabled vendor.
import type { FastifyRequest } from 'fastify';
import { Clients, type Client } from '../clients/clients.ts';
import { AppError, errors } from '../errors.ts';
import { bearerHeaders, parseBearer } from '../http/authorization.ts';
import type { FromSchema } from '../http/route-types.ts';
import type { Services } from '../services.ts';
import type { Vendor } from '../vendors/vendors.ts';
import type { credentialProperties } from './credential-properties.ts';

export { credentialProperties } from './credential-properties.ts';

export type OemScope = 'vendor_manage' | 'oem:partner_token';

export interface Caller {
  vendor: Vendor;
  client: Client;
}

/** Credentials as a body carries them: every one optional, checked in fromBody. */
export type BodyCredentials = FromSchema<{ type: 'object'; additionalProperties: false; properties: typeof credentialProperties }>;

function invalidClient(message: string, bearer = false): AppError {
  // RFC 6750 §3: a Bearer challenge for token callers.
  return errors.InvalidClient(message).with(bearer ? bearerHeaders({ realm: 'gatehouse', error: 'invalid_token' }) : {});
}

function invalidScope(scope: OemScope, bearer: boolean): AppError {
  // RFC 6750 §3.1: insufficient_scope is a 403.
  const headers = bearer ? bearerHeaders({ realm: 'gatehouse', error: 'insufficient_scope', scope }) : {};
  return errors.InsufficientScope(`Insufficient OAuth scope: this request needs the ${scope} scope`).with(headers);
}

export function vendorNotAuthorized(message: string): AppError {
  return errors.Forbidden(message);
}

function bearerToken(request: FastifyRequest): string | undefined {
  const credentials = parseBearer(request.headers.authorization);
  if (credentials.kind === 'absent') return undefined;
  if (credentials.kind !== 'token') throw invalidClient('the Authorization header must be "Bearer <access token>"', true);
  return credentials.token;
}

async function fromBody(body: BodyCredentials, scope: OemScope, clients: Clients): Promise<Client> {
  if (body.clientId === undefined || body.clientSecret === undefined) {
    throw invalidClient('Invalid client ID or client secret: both clientId and clientSecret are required');
  }
  if (body.scope !== undefined && !body.scope.split(' ').includes(scope)) throw invalidScope(scope, false);
  const client = await clients.find(body.clientId);
  if (!client || !Clients.checkSecret(client, body.clientSecret) || !client.grant_types.includes('client_credentials')) {
    throw invalidClient('Invalid client ID or client secret');
  }
  if (!client.scopes.includes(scope)) throw invalidScope(scope, false);
  return client;
}

async function fromToken(token: string, scope: OemScope, { tokens, clients }: Services): Promise<Client> {
  const active = await tokens.inspect(token);
  if (!active) throw invalidClient('the access token is not valid or has expired', true);
  if (
    !String(active.scope ?? '')
      .split(' ')
      .includes(scope)
  )
    throw invalidScope(scope, true);
  const client = await clients.find(active.client_id);
  if (!client) throw invalidClient('the access token is not valid or has expired', true);
  return client;
}

/**
 * Authenticate the caller for `scope`. `body` is undefined on routes whose shape has no
 * credential fields (seed 001's integration call): those take a Bearer token only.
 */
export async function authenticateVendor(request: FastifyRequest, body: BodyCredentials | undefined, scope: OemScope, services: Services): Promise<Caller> {
  const token = bearerToken(request);
  const inBody = body !== undefined && (body.clientId !== undefined || body.clientSecret !== undefined);
  if (token !== undefined && inBody) {
    // RFC 6749 §2.3: one authentication method per request.
    throw errors.Invalid('send client credentials in the body or a Bearer access token, not both');
  }
  let client: Client;
  if (token !== undefined) client = await fromToken(token, scope, services);
  else if (inBody) client = await fromBody(body, scope, services.clients);
  else if (body === undefined) throw invalidClient('a Bearer access token is required', true);
  else throw invalidClient('client credentials are required: clientId and clientSecret in the body, or a Bearer access token');
  request.clientId = client.id;
  const vendor = await services.vendors.findByClient(client.id);
  if (!vendor) throw vendorNotAuthorized('this OAuth client does not belong to a vendor');
  if (vendor.disabled_at) throw vendorNotAuthorized('the vendor is disabled');
  request.vendorId = vendor.id;
  return { vendor, client };
}
