// gatehouse/client: the vendor SDK. Runs on any runtime with a global fetch; no dependencies.
export { GatehouseClient, PARTNER_TOKEN_SCOPE, VENDOR_MANAGE, type GatehouseClientOptions } from './client.ts';
export { VendorApiClient, type VendorApiClientOptions } from './vendor-api.ts';
export { mspcToken } from './mspc-token.ts';
export { GatehouseError, GatehouseNetworkError } from './errors.ts';
export { parseRetryAfter, type RetryOptions } from './retry.ts';
export { REFRESH_MARGIN_MS } from './token-cache.ts';
export type { Fetch, TransportOptions } from './transport.ts';
export type * from './types.ts';
