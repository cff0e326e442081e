// pino, JSON lines. Anything that can carry a credential is redacted before it is written.
import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.ts';
import { LOGIN_LINK_PATH } from './accounts/login-links.ts';
import { PASSWORD_LINK_PATH } from './accounts/password-links.ts';

export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["mspc-token"]',
  'res.headers["set-cookie"]',
  '*.client_secret',
  '*.clientSecret',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.password',
  '*.secret',
  '*.organizationOemToken',
  '*.partnerApiKey',
  '*.vendor_api_key',
  '*.vendorApiKey',
  '*.partner_api_key',
  '*.auth_header_value',
  '*.link',
];

// Credentials can also arrive in a URL: OAuth parameters in a query string (from clients that
// should not, and redirects carrying codes), connect links (`?link=`), and one-time links whose
// token is the path's last part.
const SECRET_PARAMS = /([?&](?:client_secret|token|access_token|refresh_token|id_token|code|code_verifier|password|link)=)[^&#]*/gi;
const LINK_TOKEN = new RegExp(`^((?:${LOGIN_LINK_PATH}|${PASSWORD_LINK_PATH})/)[^/?#]+`);

export function redactUrl(url: string): string {
  return url.replace(LINK_TOKEN, '$1[redacted]').replace(SECRET_PARAMS, '$1[redacted]');
}

/** Fastify's request fields, with the URL redacted. */
function req(request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
  return { method: request.method, url: redactUrl(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort };
}

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, serializers: { req } }, destination);
}
