// The Vendor API: calls made for one integration, authenticated by its MSPC_TOKEN (seed 001,
// step 3) as a Bearer token.
import { Transport, type RequestSpec, type TransportOptions } from './transport.ts';
import type * as T from './types.ts';

export interface VendorApiClientOptions extends TransportOptions {
  /** base64(vendorApiKey + ":" + partnerApiKey); see mspcToken(). */
  mspcToken: string;
}

const BASE = '/api/vendor-api';

export class VendorApiClient {
  readonly #transport: Transport;
  readonly #authorization: string;

  constructor(options: VendorApiClientOptions) {
    if (!options.mspcToken) throw new TypeError('mspcToken is required');
    this.#transport = new Transport(options);
    this.#authorization = `Bearer ${options.mspcToken}`;
  }

  /** The organization this integration belongs to. */
  getOrganization(signal?: AbortSignal): Promise<T.GetOrganizationResponse> {
    return this.#call({ method: 'GET', path: '/organization', signal });
  }

  /** Idempotent on vendorAccountId: sending the same account again updates it. */
  createAccount(account: T.AccountInput, signal?: AbortSignal): Promise<T.SaveAccountResponse> {
    return this.#call({ method: 'POST', path: '/organization/accounts', json: account, signal });
  }

  /** One page of accounts; `accounts()` walks them all. */
  listAccounts(page: T.PageInput = {}, signal?: AbortSignal): Promise<T.ListAccountsResponse> {
    return this.#call({ method: 'GET', path: '/organization/accounts', query: query(page), signal });
  }

  /**
   * Every account, fetching page after page as the loop asks for more:
   * `for await (const account of api.accounts()) ...`. `limit` is the page size; `after` starts
   * past that cursor. Breaking out of the loop fetches no further page.
   */
  accounts(options: ListOptions = {}): AsyncGenerator<T.Account, void, undefined> {
    return paginate(
      options,
      (page) => this.listAccounts(page, options.signal),
      (response) => response.accounts,
    );
  }

  /** Idempotent on vendorServiceId. */
  createService(service: T.ServiceInput, signal?: AbortSignal): Promise<T.SaveServiceResponse> {
    return this.#call({ method: 'POST', path: '/organization/services', json: service, signal });
  }

  /** One page of services; `services()` walks them all. */
  listServices(page: T.PageInput = {}, signal?: AbortSignal): Promise<T.ListServicesResponse> {
    return this.#call({ method: 'GET', path: '/organization/services', query: query(page), signal });
  }

  /** Every service, page after page, as `accounts()` does for accounts. */
  services(options: ListOptions = {}): AsyncGenerator<T.Service, void, undefined> {
    return paginate(
      options,
      (page) => this.listServices(page, options.signal),
      (response) => response.services,
    );
  }

  /** Tell Gatehouse how far the integration has got on the vendor's side. */
  setStatus(status: T.IntegrationStatus, signal?: AbortSignal): Promise<T.SetStatusResponse> {
    return this.#call({ method: 'PATCH', path: '/status', json: { status }, signal });
  }

  #call<R>(spec: RequestSpec): Promise<R> {
    return this.#transport.request<R>({ ...spec, path: BASE + spec.path, headers: { authorization: this.#authorization } });
  }
}

export interface ListOptions extends T.PageInput {
  signal?: AbortSignal;
}

/**
 * Follow the server's cursors: each page's nextCursor is the next request's `after`, until it is
 * null. A cursor that comes back unchanged would loop for ever, so it is an error instead.
 */
async function* paginate<P extends { nextCursor: string | null }, I>(
  options: ListOptions,
  fetchPage: (page: T.PageInput) => Promise<P>,
  items: (page: P) => I[],
): AsyncGenerator<I, void, undefined> {
  let after = options.after;
  for (;;) {
    const page = await fetchPage({ limit: options.limit, after });
    yield* items(page);
    if (page.nextCursor === null) return;
    if (page.nextCursor === after) throw new Error(`the server returned the same cursor twice (${after})`);
    after = page.nextCursor;
  }
}

function query(page: T.PageInput): Record<string, string | undefined> {
  return { limit: page.limit === undefined ? undefined : String(page.limit), after: page.after };
}
