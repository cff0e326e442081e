// One error class, one handler. Each surface speaks its own vocabulary:
//   oauth  RFC 6749 §5.2   {error, error_description}
//   admin                 {error: {code, message}}
//   oem    seeds 000/001  {status, error, message}
//   msp    seed 002       {error: {code, message}}, like admin
// The route's `config.audience` picks the shape; anything unexpected is a 500 `server_error`
// with no internals in the body.
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { databaseAway, invalidCharacter } from './db/errors.ts';

export type Audience = 'oauth' | 'admin' | 'oem' | 'page' | 'msp';

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

// Fastify's own errors, by code, mapped to a status and a message a caller can act on.
const FRAMEWORK: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported content type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'content-length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'the JSON body is empty'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'the request body is too large'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'the request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_TYPE: [400, 'the content type is empty'],
  FST_ERR_CTP_INVALID_TYPE: [415, 'unsupported content type'],
};

/** A schema violation in words that name the field, e.g. `body/colour is not an allowed field`. */
export function validationDetail(errors: FastifySchemaValidationError[], dataVar: string): string {
  const error = errors.find((e) => e.keyword !== 'if') ?? errors[0];
  const path = `${dataVar}${error?.instancePath ?? ''}`;
  const params = (error?.params ?? {}) as Record<string, unknown>;
  switch (error?.keyword) {
    case 'required':
      return `${path}/${String(params.missingProperty)} is required`;
    case 'additionalProperties':
      return `${path}/${String(params.additionalProperty)} is not an allowed field`;
    case 'false schema':
      return `${path} is not allowed in this request shape`;
    case 'format':
      // The date-time format also demands what PostgreSQL can store (see ops/validation.ts).
      if (params.format === 'date-time') return `${path} must be an RFC 3339 date-time between years 0001 and 9999, without a leap second`;
      return `${path} ${error?.message ?? 'is invalid'}`;
    case 'enum':
      return `${path} must be one of: ${((params.allowedValues as unknown[]) ?? []).map(String).join(', ')}`;
    default:
      return `${path} ${error?.message ?? 'is invalid'}`;
  }
}

/** Fastify's schemaErrorFormatter for every route that sets no other. */
export function schemaErrorFormatter(errors: FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(validationDetail(errors, dataVar));
}

// RFC 6749 §4.1.2.1 names `temporarily_unavailable` for the authorization endpoint; the token,
// introspection and revocation endpoints use it too, as every OAuth client library knows it.
const UNAVAILABLE: Record<Audience, string> = {
  oauth: 'temporarily_unavailable', oem: 'SERVICE_UNAVAILABLE', admin: 'unavailable', msp: 'unavailable', page: 'unavailable',
};
const RETRY_AFTER_SECONDS = 5;

/** Translate anything thrown into [status, code, message, headers]. */
export function describe(error: unknown, audience: Audience): { status: number; code: string; message: string; headers: Record<string, string> } {
  if (error instanceof AppError) return { status: error.status, code: error.code, message: error.message, headers: error.headers };
  const fe = error as FastifyError & { validation?: unknown; validationContext?: string };
  const generic = audience === 'oauth' ? 'invalid_request' : audience === 'oem' ? 'BAD_REQUEST' : 'invalid_request';
  if (fe && fe.validation) {
    return { status: 400, code: generic, message: fe.message, headers: {} };
  }
  if (fe && typeof fe.code === 'string' && FRAMEWORK[fe.code]) {
    const [status, message] = FRAMEWORK[fe.code];
    // RFC 6749 §3.2: token requests are form-encoded; any other body is a malformed request.
    const oauthStatus = audience === 'oauth' && status === 415 ? 400 : status;
    return { status: oauthStatus, code: status === 413 ? (audience === 'oem' ? 'PAYLOAD_TOO_LARGE' : generic) : generic, message, headers: {} };
  }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, code: generic, message: fe.message, headers: {} };
  }
  if (invalidCharacter(error)) return { status: 400, code: generic, message: 'text must not contain NUL characters', headers: {} };
  if (databaseAway(error)) {
    // An outage is not the caller's fault nor a bug: say so, and when to come back.
    return { status: 503, code: UNAVAILABLE[audience], message: 'the database is unavailable; try again shortly', headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } };
  }
  return { status: 500, code: audience === 'oem' ? 'INTERNAL_ERROR' : 'server_error', message: 'internal server error', headers: {} };
}

/**
 * RFC 6749 §5.2 (and §4.1.2.1, §4.2.2.1 for the authorization endpoint): error_description
 * "MUST NOT include characters outside the set %x20-21 / %x23-5B / %x5D-7E". Messages quote
 * values the caller sent, which may hold anything: a double quote becomes a single one, any
 * other character outside the set a question mark.
 */
export function oauthDescription(message: string): string {
  return message.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/gu, '?');
}

export function render(audience: Audience, status: number, code: string, message: string): unknown {
  switch (audience) {
    case 'oauth':
      return { error: code, error_description: oauthDescription(message) };
    case 'oem':
      return { status, error: code, message };
    default:
      return { error: { code, message } };
  }
}

/** Renders the page a browser gets for an error (the UI layer supplies it: see ui/error-page.ts). */
export type ErrorPage = (status: number, message: string) => string;

/**
 * The one error handler. Browsers asking for a path no route serves get the 404 page rather than
 * the admin API's JSON, since a person typed or followed that address.
 */
export function createErrorHandler(renderPage: ErrorPage) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply) => handle(error, request, reply, renderPage);
}

function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (/^\/(api|admin\/api|oauth\/(token|introspect|revoke)|\.well-known)\b/.test(request.url)) return false;
  return /\btext\/html\b/.test(String(request.headers.accept ?? ''));
}

function handle(error: unknown, request: FastifyRequest, reply: FastifyReply, renderPage: ErrorPage) {
  const routed = ((request.routeOptions.config as { audience?: Audience } | undefined)?.audience);
  const unrouted = request.routeOptions.url === undefined;
  const audience = routed ?? (unrouted && wantsPage(request) ? 'page' : 'admin');
  const { status, code, message, headers } = describe(error, audience);
  if (status === 503 && databaseAway(error)) request.log.warn({ err: { message: (error as Error)?.message, code: (error as { code?: unknown })?.code } }, 'database unavailable');
  else if (status >= 500) request.log.error({ err: error }, 'unhandled error');
  request.errorCode = code;
  reply.headers(headers);
  if (audience === 'oauth') reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (audience === 'page') {
    return reply.status(status).type('text/html; charset=utf-8').send(renderPage(status, message));
  }
  return reply.status(status).send(render(audience, status, code, message));
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The code of the error this request was answered with, for metrics and the audit log (decorated in src/http/request-fields.ts). */
    errorCode: string | null;
  }
  interface FastifyContextConfig {
    audience?: Audience;
  }
}
