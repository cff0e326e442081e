// What the composition root builds once and hands to every route module.
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Storage } from './db/index.ts';
import type { Clients } from './clients/clients.ts';
import type { Keystore } from './keys/keystore.ts';
import type { Tokens } from './oauth/tokens.ts';
import type { Audit } from './audit/audit.ts';
import type { Metrics } from './ops/metrics.ts';
import type { AdminAuth } from './admin/auth.ts';
import type { Sealer } from './crypto.ts';

export interface Services {
  config: Readonly<Config>;
  log: Logger;
  storage: Storage;
  sealer: Sealer;
  clients: Clients;
  keystore: Keystore;
  tokens: Tokens;
  audit: Audit;
  metrics: Metrics;
  adminAuth: AdminAuth;
}
