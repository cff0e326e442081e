// Seed 001: MSPC_TOKEN = base64(vendorApiKey + ":" + partnerApiKey), sent as
// `Authorization: Bearer <token>` or in an `MSPC-TOKEN` header.
import type { IncomingHttpHeaders } from 'node:http';
import { AppError, errors } from '../errors.ts';
import { bearerHeaders, bearerToken, parseBearer, TOKEN68 } from '../http/authorization.ts';

export interface MspcKeys {
  vendorKey: string;
  partnerKey: string;
}

// Standard base64 (padding optional) or its URL-safe alphabet; anything else is not a token.
const BASE64 = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2})$/;
const MAX_LENGTH = 1024;

export function invalidMspcToken(message: string): AppError {
  return errors.InvalidMspcToken(message).with(bearerHeaders({ realm: 'gatehouse-vendor-api' }));
}

/** The raw token from the request headers, or an INVALID_MSPC_TOKEN error. */
export function presentedToken(headers: IncomingHttpHeaders): string {
  const custom = headers['mspc-token'];
  const authorization = headers.authorization;
  if (Array.isArray(custom)) throw invalidMspcToken('send one MSPC-TOKEN header');
  if (custom !== undefined && authorization !== undefined) {
    throw invalidMspcToken('send the MSPC_TOKEN in either the Authorization or the MSPC-TOKEN header, not both');
  }
  if (custom !== undefined) {
    // The MSPC-TOKEN header carries the token alone, or as Authorization does.
    const bare = custom.replace(/^[ \t]+|[ \t]+$/g, '');
    const token = TOKEN68.test(bare) ? bare : bearerToken(custom);
    if (token === undefined) throw invalidMspcToken('the MSPC-TOKEN header must be "<MSPC_TOKEN>"');
    return token;
  }
  const credentials = parseBearer(authorization);
  if (credentials.kind === 'absent') throw invalidMspcToken('an MSPC_TOKEN is required: Authorization: Bearer <MSPC_TOKEN>');
  if (credentials.kind !== 'token') throw invalidMspcToken('the Authorization header must be "Bearer <MSPC_TOKEN>"');
  return credentials.token;
}

/** Decode a token into its two keys. Seed 001: "INVALID_MSPC_TOKEN - Malformed MSPC_TOKEN". */
export function decodeMspcToken(token: string): MspcKeys {
  if (token.length > MAX_LENGTH || token.length % 4 === 1 || !BASE64.test(token)) {
    throw invalidMspcToken('Malformed MSPC_TOKEN: it is not base64');
  }
  const decoded = Buffer.from(token, token.includes('-') || token.includes('_') ? 'base64url' : 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidMspcToken('Malformed MSPC_TOKEN: expected base64(vendorApiKey:partnerApiKey)');
  const vendorKey = decoded.slice(0, colon);
  const partnerKey = decoded.slice(colon + 1);
  if (!vendorKey || !partnerKey) throw invalidMspcToken('Malformed MSPC_TOKEN: the vendor or partner API key is empty');
  return { vendorKey, partnerKey };
}
