// What the composition root builds once and hands to every route module.
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Storage } from './db/index.ts';
import type { Clients } from './clients/clients.ts';
import type { Keystore } from './keys/keystore.ts';
import type { Tokens } from './oauth/tokens.ts';
import type { IdTokens } from './oauth/id-tokens.ts';
import type { Audit } from './audit/audit.ts';
import type { Metrics } from './ops/metrics.ts';
import type { AdminAuth } from './admin/auth.ts';
import type { Sealer } from './crypto.ts';
import type { Vendors } from './vendors/vendors.ts';
import type { Organizations } from './organizations/organizations.ts';
import type { Integrations } from './integrations/integrations.ts';
import type { LoginLinks } from './accounts/login-links.ts';
import type { BrowserSessions } from './accounts/sessions.ts';
import type { MspcAuth } from './vendor-api/mspc-auth.ts';
import type { Usage } from './vendor-api/usage.ts';
import type { Webhooks } from './webhooks/webhooks.ts';
import type { Accounts } from './accounts/accounts.ts';
import type { OrganizationUsers } from './accounts/users.ts';
import type { LoginThrottle } from './accounts/throttle.ts';
import type { PasswordLinks } from './accounts/password-links.ts';
import type { Authorizations } from './oauth/authorizations.ts';
import type { AuthorizationCodes } from './oauth/codes.ts';
import type { RefreshTokens } from './oauth/refresh-tokens.ts';
import type { ConnectorService } from './connectors/service.ts';
import type { RedisLink } from './ops/redis.ts';
import type { AuthFailures } from './ops/auth-failures.ts';
import type { IdempotencyKeys } from './oem/idempotency.ts';
import type { Operators } from './accounts/operators.ts';
import type { OperatorSessions } from './accounts/operator-sessions.ts';

export interface Services {
  config: Readonly<Config>;
  log: Logger;
  storage: Storage;
  sealer: Sealer;
  clients: Clients;
  keystore: Keystore;
  tokens: Tokens;
  /** OpenID Connect ID Tokens: minted, and read back as hints. */
  idTokens: IdTokens;
  audit: Audit;
  metrics: Metrics;
  adminAuth: AdminAuth;
  vendors: Vendors;
  organizations: Organizations;
  integrations: Integrations;
  loginLinks: LoginLinks;
  browserSessions: BrowserSessions;
  mspcAuth: MspcAuth;
  usage: Usage;
  webhooks: Webhooks;
  accounts: Accounts;
  /** The people of each organization: add, change, remove (the last owner stays). */
  users: OrganizationUsers;
  loginThrottle: LoginThrottle;
  passwordLinks: PasswordLinks;
  authorizations: Authorizations;
  codes: AuthorizationCodes;
  refreshTokens: RefreshTokens;
  connectors: ConnectorService;
  /** Set with REDIS_URL: shared rate-limit counters (memory is used while it is down). */
  redis: RedisLink | undefined;
  authFailures: AuthFailures;
  /** The first answers to the OEM API's Idempotency-Keys, kept for a day. */
  idempotencyKeys: IdempotencyKeys;
  /** The console's operator accounts and their set-password links. */
  operators: Operators;
  /** Console sessions (operators and the admin token), apart from users' browser sessions. */
  operatorSessions: OperatorSessions;
}
