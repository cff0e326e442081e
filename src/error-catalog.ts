// The catalog of every error Gatehouse answers, after Fastify's lib/errors.js: a named kind per
// row, with its default status and the code each audience hears. Services throw a kind through
// the factories below (`throw errors.NotFound('organization', id)`) without knowing who is asking;
// the error handler (errors.ts) looks the kind up here for the route's audience. Each audience
// keeps one vocabulary:
//   oauth  RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1   {error, error_description}
//   oem    the seeds' codes, OEM and Vendor APIs (000/001)  {status, error, message}
//   api    admin and MSP APIs, and pages (in metrics)       {error: {code, message}}
// A kind that only one surface throws (invalid_grant, INVALID_MSPC_TOKEN) still has a code for
// every audience, the nearest one that audience knows, so no surface ever answers another's words.

export type Audience = 'oauth' | 'admin' | 'oem' | 'page' | 'msp';

interface Row {
  status: number;
  oauth: string;
  oem: string;
  api: string;
  /** A status other than the default, for one audience. */
  statusFor?: Partial<Record<Audience, number>>;
}

const row = (status: number, oauth: string, oem: string, api: string, statusFor?: Row['statusFor']): Row => ({ status, oauth, oem, api, statusFor });

export const CATALOG = {
  //                          status  oauth                      oem                    admin, msp, page
  invalid_request: row(400, 'invalid_request', 'BAD_REQUEST', 'invalid_request'),
  payload_too_large: row(413, 'invalid_request', 'PAYLOAD_TOO_LARGE', 'invalid_request'),
  // RFC 6749 §3.2: token requests are form-encoded; any other body is a malformed request.
  unsupported_media_type: row(415, 'invalid_request', 'BAD_REQUEST', 'invalid_request', { oauth: 400 }),
  not_found: row(404, 'invalid_request', 'NOT_FOUND', 'not_found'),
  conflict: row(409, 'invalid_request', 'CONFLICT', 'conflict'),
  last_owner: row(409, 'invalid_request', 'CONFLICT', 'last_owner'),
  subscription_limit: row(409, 'invalid_request', 'CONFLICT', 'subscription_limit'),
  webhook_disabled: row(409, 'invalid_request', 'CONFLICT', 'webhook_disabled'),
  connection_broken: row(409, 'invalid_request', 'CONFLICT', 'connection_broken'),
  // Idempotency-Key (OEM API): a retry while the first call runs, or the key reused for another call.
  idempotency_key_in_use: row(409, 'invalid_request', 'IDEMPOTENCY_KEY_IN_USE', 'idempotency_key_in_use'),
  idempotency_key_reused: row(422, 'invalid_request', 'IDEMPOTENCY_KEY_REUSED', 'idempotency_key_reused'),
  unauthorized: row(401, 'invalid_token', 'INVALID_CLIENT', 'unauthorized'),
  invalid_client: row(401, 'invalid_client', 'INVALID_CLIENT', 'invalid_client'),
  invalid_token: row(401, 'invalid_token', 'INVALID_CLIENT', 'invalid_token'),
  invalid_mspc_token: row(401, 'invalid_token', 'INVALID_MSPC_TOKEN', 'invalid_token'),
  forbidden: row(403, 'access_denied', 'VENDOR_NOT_AUTHORIZED', 'forbidden'),
  insufficient_scope: row(403, 'insufficient_scope', 'INVALID_SCOPE', 'insufficient_scope'),
  csrf_failed: row(403, 'access_denied', 'VENDOR_NOT_AUTHORIZED', 'csrf_failed'),
  invalid_scope: row(400, 'invalid_scope', 'INVALID_SCOPE', 'invalid_scope'),
  invalid_grant: row(400, 'invalid_grant', 'BAD_REQUEST', 'invalid_grant'),
  unauthorized_client: row(400, 'unauthorized_client', 'VENDOR_NOT_AUTHORIZED', 'unauthorized_client'),
  unsupported_grant_type: row(400, 'unsupported_grant_type', 'BAD_REQUEST', 'unsupported_grant_type'),
  unsupported_token_type: row(400, 'unsupported_token_type', 'BAD_REQUEST', 'unsupported_token_type'),
  unsupported_response_type: row(400, 'unsupported_response_type', 'BAD_REQUEST', 'unsupported_response_type'),
  // OIDC Core §3.1.2.6 and §6: sent to the redirect URI only, like unsupported_response_type.
  login_required: row(400, 'login_required', 'BAD_REQUEST', 'login_required'),
  consent_required: row(400, 'consent_required', 'BAD_REQUEST', 'consent_required'),
  interaction_required: row(400, 'interaction_required', 'BAD_REQUEST', 'interaction_required'),
  request_not_supported: row(400, 'request_not_supported', 'BAD_REQUEST', 'request_not_supported'),
  request_uri_not_supported: row(400, 'request_uri_not_supported', 'BAD_REQUEST', 'request_uri_not_supported'),
  configuration_mismatch: row(400, 'invalid_request', 'BAD_REQUEST', 'configuration_mismatch'),
  invalid_state: row(400, 'invalid_request', 'BAD_REQUEST', 'invalid_state'),
  invalid_link: row(400, 'invalid_request', 'BAD_REQUEST', 'invalid_link'),
  link_used: row(410, 'invalid_request', 'BAD_REQUEST', 'link_used'),
  target_refused: row(400, 'invalid_request', 'BAD_REQUEST', 'target_refused'),
  method_not_allowed: row(405, 'invalid_request', 'BAD_REQUEST', 'method_not_allowed'),
  rate_limited: row(429, 'too_many_requests', 'RATE_LIMITED', 'rate_limited'),
  server_error: row(500, 'server_error', 'INTERNAL_ERROR', 'server_error'),
  vendor_token_error: row(502, 'server_error', 'INTERNAL_ERROR', 'vendor_token_error'),
  upstream_unreachable: row(502, 'server_error', 'INTERNAL_ERROR', 'upstream_unreachable'),
  // RFC 6749 §4.1.2.1 names temporarily_unavailable for the authorization endpoint; the token,
  // introspection and revocation endpoints use it too, as every OAuth client library knows it.
  unavailable: row(503, 'temporarily_unavailable', 'SERVICE_UNAVAILABLE', 'unavailable'),
  upstream_timeout: row(504, 'server_error', 'INTERNAL_ERROR', 'upstream_timeout'),
} as const satisfies Record<string, Row>;

export type Kind = keyof typeof CATALOG;

/** The status and code a kind answers with to one audience. */
export function vocabulary(kind: Kind, audience: Audience): { status: number; code: string } {
  const entry: Row = CATALOG[kind];
  const code = audience === 'oauth' ? entry.oauth : audience === 'oem' ? entry.oem : entry.api;
  return { status: entry.statusFor?.[audience] ?? entry.status, code };
}

/** Every code an audience can hear, for its documentation. */
export function codesOf(audience: 'oauth' | 'oem' | 'api'): string[] {
  return [...new Set(Object.values(CATALOG).map((entry: Row) => entry[audience]))].sort();
}

/** The one error class: a kind from the catalog, a message naming the problem, and headers. */
export class AppError extends Error {
  readonly kind: Kind;
  readonly headers: Record<string, string> = {};
  constructor(kind: Kind, message: string) {
    super(message);
    this.kind = kind;
  }
  /** The kind's default status (an audience may differ: see vocabulary()). */
  get status(): number {
    return CATALOG[this.kind].status;
  }
  /** The kind's stable name, which is also its code on the admin and MSP APIs. */
  get code(): Kind {
    return this.kind;
  }
  /** Add response headers, e.g. a WWW-Authenticate challenge or Retry-After. */
  with(headers: Record<string, string>): this {
    Object.assign(this.headers, headers);
    return this;
  }
}

const make = (kind: Kind) => (message: string) => new AppError(kind, message);

/** The factories services throw with. A one-argument NotFound takes the whole sentence. */
export const errors = {
  /** Any kind by name, where the kind is chosen at run time (e.g. an RFC 6750 challenge). */
  of: (kind: Kind, message: string) => new AppError(kind, message),
  Invalid: make('invalid_request'),
  /** A field's value refused: `name: must not be empty`. */
  InvalidField: (field: string, why: string) => new AppError('invalid_request', `${field}: ${why}`),
  NotFound: (what: string, id?: string) => new AppError('not_found', id === undefined ? what : `${what} "${id}" does not exist`),
  Conflict: make('conflict'),
  LastOwner: make('last_owner'),
  SubscriptionLimit: (max: number) =>
    new AppError('subscription_limit', `this organization already has ${max} webhook subscriptions, the most allowed; delete one first`),
  WebhookDisabled: () => new AppError('webhook_disabled', 'the webhook is disabled; enable it before sending again'),
  IdempotencyKeyInUse: () => new AppError('idempotency_key_in_use', 'a request with this Idempotency-Key is still in progress; retry once it has finished'),
  IdempotencyKeyReused: make('idempotency_key_reused'),
  Unauthorized: make('unauthorized'),
  InvalidClient: make('invalid_client'),
  InvalidToken: make('invalid_token'),
  InvalidMspcToken: make('invalid_mspc_token'),
  Forbidden: make('forbidden'),
  InsufficientScope: make('insufficient_scope'),
  CsrfFailed: () => new AppError('csrf_failed', 'This form has expired or did not come from this site. Go back, reload the page and try again.'),
  InvalidScope: make('invalid_scope'),
  InvalidGrant: make('invalid_grant'),
  UnauthorizedClient: make('unauthorized_client'),
  UnsupportedGrantType: (grantType: string) => new AppError('unsupported_grant_type', `grant_type "${grantType}" is not supported`),
  UnsupportedTokenType: (hint: string) => new AppError('unsupported_token_type', `token_type_hint "${hint}" is not supported`),
  InvalidLink: make('invalid_link'),
  LinkUsed: make('link_used'),
  MethodNotAllowed: make('method_not_allowed'),
  RateLimited: (retryAfterSeconds: number, message: string) => new AppError('rate_limited', message).with({ 'retry-after': String(retryAfterSeconds) }),
  Unavailable: (retryAfterSeconds: number, message: string) => new AppError('unavailable', message).with({ 'retry-after': String(retryAfterSeconds) }),
  UpstreamTimeout: (ms: number) => new AppError('upstream_timeout', `the vendor API did not answer within ${ms} ms`),
  UpstreamUnreachable: make('upstream_unreachable'),
  ServerError: () => new AppError('server_error', 'internal server error'),
};
