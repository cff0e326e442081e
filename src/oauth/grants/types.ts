import type { FastifyRequest } from 'fastify';
import type { Client } from '../../clients/clients.ts';
import type { Services } from '../../services.ts';
import type { Params } from '../client-auth.ts';

/** RFC 6749 §5.1 successful response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  [extra: string]: unknown;
}

interface GrantContext {
  request: FastifyRequest;
  params: Params;
  client: Client;
  services: Services;
  /** When the request arrived (epoch ms), before client authentication and body parsing. */
  receivedAt: number;
}

export type GrantHandler = (ctx: GrantContext) => Promise<TokenResponse>;
