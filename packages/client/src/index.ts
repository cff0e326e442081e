// @gatehouse/client: the vendor SDK. Runs on any runtime with a global fetch; no dependencies.
export { GatehouseClient, PARTNER_TOKEN_SCOPE, VENDOR_MANAGE, type CallOptions, type CreateOptions, type GatehouseClientOptions } from './client.ts';
export { VendorApiClient, type ListOptions, type VendorApiClientOptions } from './vendor-api.ts';
export { mspcToken } from './mspc-token.ts';
export {
  GatehouseAuthenticationError,
  GatehouseConflictError,
  GatehouseError,
  GatehouseNetworkError,
  GatehouseNotFoundError,
  GatehousePermissionError,
  GatehouseRateLimitError,
  GatehouseTimeoutError,
  GatehouseUnavailableError,
  GatehouseValidationError,
  type GatehouseErrorCode,
  type OAuthErrorCode,
  type OemApiErrorCode,
  type TransportErrorCode,
} from './errors.ts';
export { USER_AGENT } from './transport.ts';
export { VERSION } from './version.ts';
export { parseRetryAfter, type RetryOptions } from './retry.ts';
export { REFRESH_MARGIN_MS } from './token-cache.ts';
export type { Fetch, TransportOptions } from './transport.ts';
export type * from './types.ts';
export type { paths } from './openapi.ts';
