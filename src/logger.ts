// pino, JSON lines. Anything that can carry a credential is redacted before it is written.
import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.ts';

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
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}
