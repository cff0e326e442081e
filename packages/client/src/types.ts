// Request and response shapes, named after seeds 000 and 001. Every one is read out of openapi.ts,
// which is generated from the server's OpenAPI document, so a renamed or retyped field fails to
// compile here instead of drifting. Where the document is looser than a particular call's answer
// (one response schema serves both integration kinds), `Refine` narrows it, and can only narrow:
// each refined field must exist in the document and be a subtype of what it says there.
import type { paths } from './openapi.ts';

type Operation<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];
type RequestBody<P extends keyof paths, M extends keyof paths[P]> = Operation<P, M> extends { requestBody: infer B } ? B : never;
type Response<P extends keyof paths, M extends keyof paths[P], S extends string> =
  Operation<P, M> extends { responses: infer R } ? (S extends keyof R ? R[S] : never) : never;
type Query<P extends keyof paths, M extends keyof paths[P]> = Operation<P, M> extends { query: infer Q } ? Q : never;
type RequestHeader<P extends keyof paths, M extends keyof paths[P]> = Operation<P, M> extends { header: infer H } ? H : never;
type Refine<T, R extends { [K in keyof R]: K extends keyof T ? Exclude<T[K], undefined> : never }> = Omit<T, keyof R> & R;

type OrganizationPath = '/api/oem-api/organization';
type SessionPath = '/api/oem-api/organization/session';
type UserPath = '/api/oem-api/organization/user';
type IntegrationPath = '/api/oem-api/integration';
type AccountsPath = '/api/vendor-api/organization/accounts';
type ServicesPath = '/api/vendor-api/organization/services';

/**
 * The Idempotency-Key header every creating OEM call sends. An intersection over the four routes,
 * so that one that stopped declaring the header would make this `never` and the SDK fail to build.
 */
export type IdempotencyKey = NonNullable<RequestHeader<OrganizationPath, 'post'>['Idempotency-Key']> &
  NonNullable<RequestHeader<SessionPath, 'post'>['Idempotency-Key']> &
  NonNullable<RequestHeader<UserPath, 'post'>['Idempotency-Key']> &
  NonNullable<RequestHeader<IntegrationPath, 'post'>['Idempotency-Key']>;

/** RFC 6749 §5.1 */
export type TokenResponse = Refine<Response<'/oauth/token', 'post', '200'>, { access_token: string; token_type: string }>;

/** Seed 000, "Create Organization": the `data` object. */
export type OrganizationData = RequestBody<OrganizationPath, 'post'>['data'];
/** `organizationOemToken` is permanent and shown once: store it. `organizationId` is needed for seed 001. */
export type CreateOrganizationResponse = Response<OrganizationPath, 'post', '201'>;

/** `vendorUserId` logs in that user instead of the organization's owner. */
export type CreateSessionInput = Pick<RequestBody<SessionPath, 'post'>, 'organizationOemToken' | 'vendorUserId'>;
/** `redirectUrl` is a one-time login link; open it in a new tab (seed 000, step 4). */
export type CreateSessionResponse = Response<SessionPath, 'post', '201'>;

/** `member` when not given. */
export type UserRole = NonNullable<RequestBody<UserPath, 'post'>['data']['role']>;
/** `data.vendorUserId` is your id for the person: createSession({vendorUserId}) signs them in. */
export type CreateUserInput = Pick<RequestBody<UserPath, 'post'>, 'organizationOemToken' | 'data'>;
export type CreateUserResponse = Response<UserPath, 'post', '201'>;

export type ListIntegrationsResponse = Response<'/api/oem-api/organization/{organizationId}/integrations', 'get', '200'>;
export type Integration = ListIntegrationsResponse['integrations'][number];
export type IntegrationKind = Integration['integrationKind'];
export type IntegrationStatus = RequestBody<'/api/vendor-api/status', 'patch'>['status'];

type IntegrationBody = RequestBody<IntegrationPath, 'post'>;
export interface CreateIntegrationInput {
  organizationId: NonNullable<IntegrationBody['organizationId']>;
  /** Defaults to the client's `vendorId`. */
  vendorId?: IntegrationBody['vendorId'];
}

type CreatedIntegration = Response<IntegrationPath, 'post', '201'>;
type IntegrationSummary = { id: string; vendorId: string; integrationKind: IntegrationKind };
/** `partnerApiKey` is shown once: combine it with the vendor API key through mspcToken(). */
export type CreateIntegrationResponse = Refine<CreatedIntegration, { integration: IntegrationSummary; partnerApiKey: string; status: number; message: string }>;
export type CreateCustomIntegrationResponse = Omit<
  Refine<CreatedIntegration, { integration: IntegrationSummary; status: number; message: string }>,
  'partnerApiKey'
>;

export interface IntegrationCredentialsInput {
  organizationOemToken: RequestBody<IntegrationPath, 'patch'>['organizationOemToken'];
  /** Defaults to the client's `vendorId`. */
  vendorId?: RequestBody<IntegrationPath, 'patch'>['data']['vendorId'];
  integrationCredentials: RequestBody<IntegrationPath, 'patch'>['data']['integrationCredentials'];
}
export type UpdateIntegrationCredentialsResponse = Response<IntegrationPath, 'patch', '200'>;

export type ListVendorsResponse = Response<'/api/oem-api/organization/{organizationId}/vendors', 'get', '200'>;
/** A vendor as an organization sees it; `integrationStatus` is the most advanced among its integrations. */
export type OrganizationVendor = ListVendorsResponse['vendors'][number];

/** GET organization: the organization an MSPC_TOKEN reaches, and the integration it goes through. */
export type GetOrganizationResponse = Response<'/api/vendor-api/organization', 'get', '200'>;
/** An integration as the Vendor API reports it. */
export type VendorApiIntegration = GetOrganizationResponse['integration'];

export type AccountInput = RequestBody<AccountsPath, 'post'>;
/** Idempotent saves answer 201 the first time and 200 for an update; `status` says which. */
export type SaveAccountResponse = Response<AccountsPath, 'post', '201'> | Response<AccountsPath, 'post', '200'>;
export type ListAccountsResponse = Response<AccountsPath, 'get', '200'>;
export type Account = ListAccountsResponse['accounts'][number];

export type ServiceInput = RequestBody<ServicesPath, 'post'>;
export type SaveServiceResponse = Response<ServicesPath, 'post', '201'> | Response<ServicesPath, 'post', '200'>;
export type ListServicesResponse = Response<ServicesPath, 'get', '200'>;
export type Service = ListServicesResponse['services'][number];

export type SetStatusResponse = Response<'/api/vendor-api/status', 'patch', '200'>;

/** Listings come a page at a time, ordered by the vendor's own id. */
export interface PageInput {
  /** 1 to 500; the server's default is 100. */
  limit?: number;
  /** The previous page's nextCursor. */
  after?: Query<AccountsPath, 'get'>['after'];
}
