// Client authentication for the token, introspection and revocation endpoints.
// RFC 6749 §2.3.1: client_secret_basic (HTTP Basic, each half form-urlencoded first) or
// client_secret_post (client_id and client_secret in the body, form or JSON).
import type { FastifyRequest } from 'fastify';
import { Clients, type Client } from '../clients/clients.ts';
import { AppError, errors } from '../errors.ts';
import { challenge } from '../http/authorization.ts';

type AuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';
export type Params = Record<string, unknown>;

export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

// RFC 7617 §2.1: charset="UTF-8" says the user-id and password are UTF-8.
const CHALLENGE = { 'www-authenticate': challenge('Basic', { realm: 'gatehouse', charset: 'UTF-8' }) };

/** RFC 6749 §5.2: failed client authentication is 401 invalid_client with a challenge. */
function invalidClient(message: string): AppError {
  return errors.InvalidClient(message).with(CHALLENGE);
}

/** A request parameter as a single string, or undefined. RFC 6749 §3.2: no repeats. */
export function param(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') {
    throw errors.Invalid(Array.isArray(value) ? `${name} must not be repeated` : `${name} must be a string`);
  }
  return value;
}

/** The client id and secret of a Basic authorization header. Throws invalid_client when malformed. */
export function decodeBasic(header: string): [string, string] {
  let decoded: string;
  try {
    decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new Error('no colon');
    const unescape = (s: string) => decodeURIComponent(s.replace(/\+/g, '%20'));
    return [unescape(decoded.slice(0, colon)), unescape(decoded.slice(colon + 1))];
  } catch {
    throw invalidClient('the Basic authorization header is malformed');
  }
}

export interface Authenticated {
  client: Client;
  method: AuthMethod;
}

/**
 * Identify and authenticate the calling client. `allowPublic` lets a public client identify
 * itself with client_id alone (authorization-code exchanges with PKCE).
 */
export async function authenticateClient(request: FastifyRequest, params: Params, clients: Clients, allowPublic = false): Promise<Authenticated> {
  const header = request.headers.authorization;
  const bodyId = param(params, 'client_id');
  const bodySecret = param(params, 'client_secret');
  let id: string | undefined;
  let secret: string | undefined;
  let method: AuthMethod;
  if (header !== undefined && /^basic /i.test(header)) {
    if (bodySecret !== undefined) {
      // RFC 6749 §2.3: the client MUST NOT use more than one authentication method per request.
      throw errors.Invalid('client credentials were sent both in the Authorization header and in the body');
    }
    [id, secret] = decodeBasic(header);
    if (bodyId !== undefined && bodyId !== id) throw errors.Invalid('client_id in the body does not match the Authorization header');
    method = 'client_secret_basic';
  } else if (bodySecret !== undefined) {
    id = bodyId;
    secret = bodySecret;
    method = 'client_secret_post';
    if (id === undefined) throw invalidClient('client_secret was sent without client_id');
  } else {
    id = bodyId;
    method = 'none';
  }
  request.clientId = id ?? null;
  if (id === undefined) throw invalidClient('client authentication is required');
  const client = await clients.find(id);
  if (!client) throw invalidClient('client authentication failed');
  if (method === 'none') {
    if (!allowPublic || client.type !== 'public') throw invalidClient('client authentication is required');
    return { client, method };
  }
  if (!Clients.checkSecret(client, secret!)) throw invalidClient('client authentication failed');
  return { client, method };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The OAuth client the request authenticated as, or named (token endpoints, OEM API). (decorated with its initial value in src/http/request-fields.ts) */
    clientId: string | null;
  }
}
