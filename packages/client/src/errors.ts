// Errors the SDK throws. Every failure is a GatehouseError, so one catch is enough; the subclass
// says what kind of failure it is (so `instanceof GatehouseRateLimitError` replaces comparing
// statuses), and `code` says exactly why.

/**
 * The OEM and Vendor APIs' codes (seeds 000 and 001, and the README's error table). The two
 * IDEMPOTENCY_KEY_ codes answer a reused Idempotency-Key: 422 REUSED for another body or route,
 * 409 IN_USE while the first request with the key is still running (the SDK retries that one).
 */
export type OemApiErrorCode =
  | 'BAD_REQUEST'
  | 'INVALID_CLIENT'
  | 'INVALID_SCOPE'
  | 'INVALID_MSPC_TOKEN'
  | 'VENDOR_NOT_AUTHORIZED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_KEY_IN_USE'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_ERROR';

/** The token endpoint's `error` values: RFC 6749 §5.2, and the two Gatehouse adds for 429 and 503. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'too_many_requests'
  | 'temporarily_unavailable'
  | 'server_error';

/** No answer came: the connection failed, or the attempt ran out of time. */
export type TransportErrorCode = 'NETWORK_ERROR' | 'TIMEOUT';

/**
 * Every code a GatehouseError can carry. An answer without a code of its own (a proxy's HTML 502,
 * say) is given the one its status implies: `HTTP_502`.
 */
export type GatehouseErrorCode = OemApiErrorCode | OAuthErrorCode | TransportErrorCode | `HTTP_${number}`;

export interface GatehouseErrorDetails {
  status: number;
  code: GatehouseErrorCode;
  message: string;
  body?: unknown;
  /** How long the server asked us to wait (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  attempts?: number;
  cause?: unknown;
}

export class GatehouseError extends Error {
  /** The HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly code: GatehouseErrorCode;
  /** The parsed response body, for anything the fields above leave out. */
  readonly body: unknown;
  readonly retryAfterMs: number | undefined;
  /** How many requests were sent before giving up. */
  readonly attempts: number;

  constructor(details: GatehouseErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.code = details.code;
    this.body = details.body;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts ?? 1;
  }
}

/** 401: the client credentials, the access token or the MSPC_TOKEN were not accepted. */
export class GatehouseAuthenticationError extends GatehouseError {}
/** 403: authenticated, but not allowed this (a scope missing, another vendor's organization). */
export class GatehousePermissionError extends GatehouseError {}
/** 404 */
export class GatehouseNotFoundError extends GatehouseError {}
/** 409: it exists already (the organization, the owner's email, the user's vendorUserId). */
export class GatehouseConflictError extends GatehouseError {}
/** 400 or 422: the request itself is wrong; `message` names the field. Retrying cannot help. */
export class GatehouseValidationError extends GatehouseError {}

/** 429, after the retries the client was allowed. */
export class GatehouseRateLimitError extends GatehouseError {
  /** Seconds the server asked to wait before the next request (Retry-After), when it said. */
  get retryAfter(): number | undefined {
    return this.retryAfterMs === undefined ? undefined : Math.ceil(this.retryAfterMs / 1000);
  }
}

/** 503, after the retries the client was allowed: Gatehouse (or its database) is away for now. */
export class GatehouseUnavailableError extends GatehouseError {}

/** No HTTP response: the connection failed on every attempt. */
export class GatehouseNetworkError extends GatehouseError {
  constructor(message: string, cause: unknown, attempts: number) {
    super({ status: 0, code: 'NETWORK_ERROR', message, cause, attempts });
  }
}

/**
 * The last attempt ran out of time (`timeoutMs`). Not a GatehouseNetworkError: the request may
 * have arrived and be running still, where a refused connection never reached the server.
 */
export class GatehouseTimeoutError extends GatehouseError {
  constructor(message: string, cause: unknown, attempts: number) {
    super({ status: 0, code: 'TIMEOUT', message, cause, attempts });
  }
}

const BY_STATUS: Record<number, typeof GatehouseError> = {
  400: GatehouseValidationError,
  401: GatehouseAuthenticationError,
  403: GatehousePermissionError,
  404: GatehouseNotFoundError,
  409: GatehouseConflictError,
  422: GatehouseValidationError,
  429: GatehouseRateLimitError,
  503: GatehouseUnavailableError,
};

/** Build the error for a non-2xx response from whichever error vocabulary the body speaks. */
export function errorFromResponse(status: number, statusText: string, body: unknown, retryAfterMs: number | undefined, attempts: number): GatehouseError {
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const nested = (typeof record.error === 'object' && record.error !== null ? record.error : {}) as Record<string, unknown>;
  // The server's code is passed on as it is: the union above is what it documents.
  const code = (str(record.error) ?? str(nested.code) ?? `HTTP_${status}`) as GatehouseErrorCode;
  const message = str(record.message) ?? str(record.error_description) ?? str(nested.message) ?? (statusText || `HTTP ${status}`);
  const Kind = BY_STATUS[status] ?? GatehouseError;
  return new Kind({ status, code, message, body, retryAfterMs, attempts });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
