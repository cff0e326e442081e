// One error class, one handler. Errors are kinds from the catalog (error-catalog.ts); the route's
// `config.audience` picks the words each kind is answered in, and the body's shape:
//   oauth  RFC 6749 §5.2   {error, error_description}
//   admin                 {error: {code, message}}
//   oem    seeds 000/001  {status, error, message}
//   msp    seed 002       {error: {code, message}}, like admin
// Anything unexpected is a 500 `server_error` (INTERNAL_ERROR on the OEM API) with no internals
// in the body.
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { databaseAway, invalidCharacter } from './db/errors.ts';
import { AppError, errors, vocabulary, type Audience, type Kind } from './error-catalog.ts';

export { AppError, errors, type Audience } from './error-catalog.ts';

// Fastify's own errors, by code, mapped to a status and a message a caller can act on.
const FRAMEWORK: Record<string, [Kind, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'unsupported content type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_request', 'content-length does not match the body'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_request', 'the JSON body is empty'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'the request body is too large'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_request', 'the request body is not valid JSON'],
  FST_ERR_CTP_EMPTY_TYPE: ['invalid_request', 'the content type is empty'],
  FST_ERR_CTP_INVALID_TYPE: ['unsupported_media_type', 'unsupported content type'],
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

const RETRY_AFTER_SECONDS = 5;

type Described = { status: number; code: string; message: string; headers: Record<string, string> };

/** Translate anything thrown into [status, code, message, headers] in the audience's vocabulary. */
export function describe(error: unknown, audience: Audience): Described {
  const known = catalogued(error);
  const said = vocabulary(known.kind, audience);
  return { status: frameworkStatus(error) ?? said.status, code: said.code, message: known.message, headers: known.headers };
}

/** A client error Fastify raised with a status of its own (e.g. 406) keeps that status. */
function frameworkStatus(error: unknown): number | undefined {
  if (error instanceof AppError) return undefined;
  const fe = error as (FastifyError & { validation?: unknown }) | undefined;
  if (!fe || fe.validation || (typeof fe.code === 'string' && FRAMEWORK[fe.code])) return undefined;
  return typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : undefined;
}

/** Anything thrown, as a catalog error. */
function catalogued(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fe = error as (FastifyError & { validation?: unknown }) | undefined;
  if (fe && fe.validation) return errors.Invalid(fe.message);
  if (fe && typeof fe.code === 'string' && FRAMEWORK[fe.code]) {
    const [kind, message] = FRAMEWORK[fe.code];
    return errors.of(kind, message);
  }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return errors.Invalid(fe.message);
  if (invalidCharacter(error)) return errors.Invalid('text must not contain NUL characters');
  // An outage is not the caller's fault nor a bug: say so, and when to come back.
  if (databaseAway(error)) return errors.Unavailable(RETRY_AFTER_SECONDS, 'the database is unavailable; try again shortly');
  return errors.ServerError();
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

function render(audience: Audience, status: number, code: string, message: string): unknown {
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
  const routed = (request.routeOptions.config as { audience?: Audience } | undefined)?.audience;
  const unrouted = request.routeOptions.url === undefined;
  const audience = routed ?? (unrouted && wantsPage(request) ? 'page' : 'admin');
  const { status, code, message, headers } = describe(error, audience);
  if (status === 503 && databaseAway(error))
    request.log.warn({ err: { message: (error as Error)?.message, code: (error as { code?: unknown })?.code } }, 'database unavailable');
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
