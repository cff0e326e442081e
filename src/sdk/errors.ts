// Errors the SDK throws. Every failure is a GatehouseError so callers need one catch; `code` is
// the machine-readable reason: the seed's code on the OEM and Vendor APIs (INVALID_CLIENT,
// VENDOR_NOT_AUTHORIZED, ...), the RFC 6749 §5.2 `error` on the token endpoint.

export interface GatehouseErrorDetails {
  status: number;
  code: string;
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
  readonly code: string;
  /** The parsed response body, for anything the fields above leave out. */
  readonly body: unknown;
  readonly retryAfterMs: number | undefined;
  /** How many requests were sent before giving up. */
  readonly attempts: number;

  constructor(details: GatehouseErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'GatehouseError';
    this.status = details.status;
    this.code = details.code;
    this.body = details.body;
    this.retryAfterMs = details.retryAfterMs;
    this.attempts = details.attempts ?? 1;
  }
}

/** No HTTP response: the connection failed or the request timed out, on every attempt. */
export class GatehouseNetworkError extends GatehouseError {
  constructor(message: string, cause: unknown, attempts: number) {
    super({ status: 0, code: 'NETWORK_ERROR', message, cause, attempts });
    this.name = 'GatehouseNetworkError';
  }
}

/** Build the error for a non-2xx response from whichever error vocabulary the body speaks. */
export function errorFromResponse(status: number, statusText: string, body: unknown, retryAfterMs: number | undefined, attempts: number): GatehouseError {
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const nested = (typeof record.error === 'object' && record.error !== null ? record.error : {}) as Record<string, unknown>;
  const code = str(record.error) ?? str(nested.code) ?? `HTTP_${status}`;
  const message = str(record.message) ?? str(record.error_description) ?? str(nested.message) ?? (statusText || `HTTP ${status}`);
  return new GatehouseError({ status, code, message, body, retryAfterMs, attempts });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
