// Request and response shapes, named after seeds 000 and 001 and issue text; field names match
// the wire exactly.

/** RFC 6749 §5.1 */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
}

/** Seed 000, "Create Organization": the `data` object. */
export interface OrganizationData {
  name: string;
  email: string;
  firstName: string;
  lastName: string;
  vendorUserId: string;
  vendorOrganizationId: string;
}

export interface CreateOrganizationResponse {
  status: number;
  message: string;
  /** Permanent and shown once: store it. */
  organizationOemToken: string;
  /** Needed for seed 001's integration call. */
  organizationId: string;
}

export interface CreateSessionInput {
  organizationOemToken: string;
  /** Log in this user instead of the organization's owner. */
  vendorUserId?: string;
}

export interface CreateSessionResponse {
  status: number;
  message: string;
  /** A one-time login link; open it in a new tab (seed 000, step 4). */
  redirectUrl: string;
}

export type UserRole = 'owner' | 'admin' | 'member';

export interface CreateUserInput {
  organizationOemToken: string;
  data: {
    email: string;
    firstName?: string;
    lastName?: string;
    /** Your id for the person: createSession({vendorUserId}) signs them in. */
    vendorUserId?: string;
    /** `member` when not given. */
    role?: UserRole;
  };
}

export interface CreateUserResponse {
  status: number;
  message: string;
  userId: string;
}

export type IntegrationKind = 'external' | 'custom_hosted';
export type IntegrationStatus = 'inactive' | 'pending' | 'active';

export interface CreateIntegrationInput {
  organizationId: string;
  /** Defaults to the client's `vendorId`. */
  vendorId?: string;
}

export interface CreateIntegrationResponse {
  integration: { id: string; vendorId: string; integrationKind: IntegrationKind };
  /** Shown once: combine it with the vendor API key through mspcToken(). */
  partnerApiKey: string;
  status: number;
  message: string;
}

export interface IntegrationCredentialsInput {
  organizationOemToken: string;
  /** Defaults to the client's `vendorId`. */
  vendorId?: string;
  integrationCredentials: Record<string, unknown>;
}

export interface CreateCustomIntegrationResponse {
  integration: { id: string; vendorId: string; integrationKind: IntegrationKind };
  status: number;
  message: string;
}

export interface UpdateIntegrationCredentialsResponse {
  integration: { id: string; vendorId: string };
  status: number;
  message: string;
}

/** A vendor as an organization sees it, with how far its integrations have got. */
export interface OrganizationVendor {
  vendorId: string;
  name: string;
  /** The most advanced state among the vendor's integrations. */
  integrationStatus: IntegrationStatus | 'not_integrated';
  integrations: { id: string; integrationKind: IntegrationKind; status: IntegrationStatus; disabled: boolean }[];
}

export interface Integration {
  id: string;
  vendorId: string;
  vendorName: string;
  integrationKind: IntegrationKind;
  status: IntegrationStatus;
  disabled: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface ListVendorsResponse {
  status: number;
  organizationId: string;
  vendors: OrganizationVendor[];
}

export interface ListIntegrationsResponse {
  status: number;
  organizationId: string;
  integrations: Integration[];
}

/** An integration as the Vendor API reports it. */
export interface VendorApiIntegration {
  id: string;
  vendorId: string;
  integrationKind: IntegrationKind;
  status: IntegrationStatus;
}

/** GET organization: the organization an MSPC_TOKEN reaches, and the integration it goes through. */
export interface GetOrganizationResponse {
  status: number;
  organization: { id: string; name: string; vendorOrganizationId: string | null };
  integration: VendorApiIntegration;
}

export interface AccountInput {
  vendorAccountId: string;
  name: string;
  externalId?: string | null;
}

export interface Account {
  id: string;
  vendorAccountId: string;
  name: string;
  externalId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ServiceInput {
  vendorServiceId: string;
  name: string;
  description?: string | null;
  vendorAccountId?: string | null;
}

export interface Service {
  id: string;
  vendorServiceId: string;
  name: string;
  description: string | null;
  vendorAccountId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Idempotent saves answer 201 the first time and 200 for an update; `status` says which. */
export interface SaveAccountResponse {
  status: number;
  message: string;
  account: Account;
}

export interface SaveServiceResponse {
  status: number;
  message: string;
  service: Service;
}

/** Listings come a page at a time, ordered by the vendor's own id. */
export interface PageInput {
  /** 1 to 500; the server's default is 100. */
  limit?: number;
  /** The previous page's nextCursor. */
  after?: string;
}

export interface ListAccountsResponse {
  status: number;
  accounts: Account[];
  /** Pass as `after` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface ListServicesResponse {
  status: number;
  services: Service[];
  nextCursor: string | null;
}

export interface SetStatusResponse {
  status: number;
  message: string;
  integration: VendorApiIntegration;
}
