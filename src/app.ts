// The composition root: builds every service once from the configuration and wires the HTTP
// surfaces to them. Nothing in the project opens a database or reads the environment at import.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import type { Logger } from 'pino';
import type { Clock } from 'pg-boss';
import type { Agent } from 'undici';
import { ConfigError, type Config } from './config.ts';
import { createSealer } from './crypto.ts';
import { openStorage } from './db/index.ts';
import { migrate } from './db/migrate.ts';
import { Audit } from './audit/audit.ts';
import { Clients, longestTokenTtl } from './clients/clients.ts';
import { Keystore } from './keys/keystore.ts';
import { IdTokens } from './oauth/id-tokens.ts';
import { Tokens } from './oauth/tokens.ts';
import { AdminAuth } from './admin/auth.ts';
import { adminApi } from './admin/index.ts';
import { createMetrics, metricsHooks } from './ops/metrics.ts';
import { healthRoutes } from './ops/health.ts';
import { securityHeaders, securityHeaderValues } from './ops/security-headers.ts';
import { storableInput, validation } from './ops/validation.ts';
import { RedisLink } from './ops/redis.ts';
import { Jobs } from './ops/jobs.ts';
import { CACHE_LIFETIME_MS } from './db/cache.ts';
import { LimitCounter, registerRateLimits } from './ops/rate-limit.ts';
import { decorateRequestFields } from './http/request-fields.ts';
import { AuthFailures } from './ops/auth-failures.ts';
import { openApi } from './ops/openapi.ts';
import { createLogger, flushLogger, lazyChildLogger } from './logger.ts';
import { RequestLog } from './ops/request-log.ts';
import { createErrorHandler, errors, schemaErrorFormatter } from './errors.ts';
import { errorPage } from './ui/error-page.ts';
import { metadataRoutes } from './oauth/metadata.ts';
import { tokenRoute } from './oauth/token.ts';
import { introspectRoute } from './oauth/introspect.ts';
import { userinfoRoute } from './oauth/userinfo.ts';
import { revokeRoute } from './oauth/revoke.ts';
import type { Services } from './services.ts';
import { Vendors } from './vendors/vendors.ts';
import { Organizations } from './organizations/organizations.ts';
import { Integrations } from './integrations/integrations.ts';
import { LoginLinks } from './accounts/login-links.ts';
import { BrowserSessions } from './accounts/sessions.ts';
import { MspcAuth } from './vendor-api/mspc-auth.ts';
import { Usage } from './vendor-api/usage.ts';
import { oemApi } from './oem/index.ts';
import { IdempotencyKeys } from './oem/idempotency.ts';
import { vendorApi } from './vendor-api/index.ts';
import { uiPages } from './ui/index.ts';
import { consentPage } from './ui/consent.ts';
import { noticePage } from './ui/layout.ts';
import { addressPolicy } from './net/address-policy.ts';
import { createAgent } from './net/outbound.ts';
import { Webhooks } from './webhooks/webhooks.ts';
import { mspApi } from './msp/index.ts';
import { Accounts } from './accounts/accounts.ts';
import { OrganizationUsers } from './accounts/users.ts';
import { LoginThrottle } from './accounts/throttle.ts';
import { Operators } from './accounts/operators.ts';
import { OperatorSessions } from './accounts/operator-sessions.ts';
import { consolePages } from './console/index.ts';
import { PasswordLinks } from './accounts/password-links.ts';
import { Authorizations, liveGrantsNamed } from './oauth/authorizations.ts';
import { AuthorizationCodes } from './oauth/codes.ts';
import { RefreshTokens } from './oauth/refresh-tokens.ts';
import { authorizeRoutes } from './oauth/authorize/endpoint.ts';
import { endSessionRoutes } from './oauth/end-session.ts';
import { endSessionPages } from './ui/end-session.ts';
import { partnerRoutes } from './partner/app-info.ts';
import { ConnectorService } from './connectors/service.ts';
import { connectionsSection, connectorRoutes } from './connectors/http/index.ts';

export interface BuildOptions {
  logger?: Logger;
  /** Time for webhook delivery and its queue (tests pass pg-boss's TestClock). */
  webhookClock?: Clock;
}

export interface Gatehouse {
  app: FastifyInstance;
  services: Services;
  /** Set on the very first start when no admin token was configured: print it once. */
  bootstrapAdminToken: string | undefined;
  close(): Promise<void>;
}

/** The encryption key: configured, or (embedded default only) generated into the data dir. */
async function resolveEncryptionKey(config: Config, log: Logger): Promise<Buffer> {
  if (config.encryptionKey) return config.encryptionKey;
  if (config.dataDir === 'memory://') return randomBytes(32);
  const file = path.join(config.dataDir, 'encryption.key');
  let stored: string | undefined;
  try {
    stored = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    // Only a missing file means "first start"; any other failure must not be papered over.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (stored !== undefined) {
    const key = Buffer.from(stored, 'base64');
    if (key.length !== 32) {
      throw new ConfigError(
        'GATEHOUSE_ENCRYPTION_KEY',
        `${file} does not hold a 32-byte base64 key: restore it from a backup, or set GATEHOUSE_ENCRYPTION_KEY to the key it held`,
      );
    }
    return key;
  }
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  log.warn({ file }, 'generated an encryption key into the data directory; set GATEHOUSE_ENCRYPTION_KEY to manage it yourself');
  return key;
}

export async function buildApp(config: Readonly<Config>, options: BuildOptions = {}): Promise<Gatehouse> {
  const log = options.logger ?? createLogger(config.logLevel);
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    waitSeconds: config.dbWaitSeconds,
    sharedBuffersMb: config.pgliteSharedBuffersMb,
    log,
  });
  let webhooks: Webhooks | undefined;
  let jobs: Jobs | undefined;
  let redis: RedisLink | undefined;
  let outbound: Agent | undefined;
  try {
    await migrate(storage.db);
    const sealer = createSealer(await resolveEncryptionKey(config, log));
    const metrics = createMetrics();
    const audit = new Audit(storage.db, { log, onDropped: (count, reason) => metrics.auditDropped.inc({ reason }, count) });
    const keystore = new Keystore({
      storage,
      sealer,
      algorithm: config.signingAlgorithm,
      issuer: config.publicUrl,
      maxTokenLifetime: async () => Math.max(config.accessTokenTtl, config.idTokenTtl, await longestTokenTtl(storage.db)),
    });
    await keystore.init();
    const tokens = new Tokens(storage, keystore, config.publicUrl);
    await tokens.refreshRevocations();
    if (config.redisUrl) redis = new RedisLink(config.redisUrl, log, metrics.registry);
    const authFailures = new AuthFailures(new LimitCounter(redis, 'auth-failures'), config.authFailureLimit, metrics.registry);
    const adminAuth = new AdminAuth(storage.db, audit, authFailures, config.adminToken);
    const bootstrapAdminToken = await adminAuth.init();
    const clients = new Clients(storage);
    const loginLinks = new LoginLinks(storage.db, { publicUrl: config.publicUrl, ttlSeconds: config.loginLinkTtl });
    const usage = new Usage(storage.db, audit, { onError: (err) => log.warn({ err }, 'could not record Vendor API key use') });
    const policy = addressPolicy(config.allowPrivateNetworks);
    // The one outbound Agent (webhook deliveries, vendor token endpoints, the connector proxy):
    // every connection it opens goes to an address the policy vetted.
    outbound = createAgent(policy);
    jobs = await Jobs.open({ storage, databaseUrl: config.databaseUrl, log, clock: options.webhookClock });
    webhooks = await Webhooks.start({ storage, config, sealer, policy, outbound, log, jobs, clock: options.webhookClock });
    const browserSessions = new BrowserSessions(storage.db, { ttlSeconds: config.sessionTtl, secure: config.publicUrl.startsWith('https:') });
    const authorizations = new Authorizations(storage.db, tokens);
    const loginThrottle = new LoginThrottle(storage.db);
    const services: Services = {
      config,
      log,
      storage,
      sealer,
      audit,
      keystore,
      tokens,
      idTokens: new IdTokens(keystore, config.publicUrl, config.idTokenTtl),
      adminAuth,
      clients,
      loginLinks,
      usage,
      metrics,
      redis,
      authFailures,
      vendors: new Vendors(storage, clients),
      organizations: new Organizations(storage),
      integrations: new Integrations(storage, sealer),
      browserSessions,
      mspcAuth: new MspcAuth(storage),
      webhooks,
      authorizations,
      loginThrottle,
      accounts: new Accounts({ db: storage.db, throttle: loginThrottle, sessions: browserSessions, authorizations }),
      users: new OrganizationUsers(storage.db, authorizations),
      passwordLinks: new PasswordLinks(storage.db, { publicUrl: config.publicUrl, ttlSeconds: config.passwordLinkTtl }),
      codes: new AuthorizationCodes(storage.db),
      refreshTokens: new RefreshTokens(storage.db, { ttlSeconds: config.refreshTokenTtl, liveGrants: liveGrantsNamed }),
      connectors: new ConnectorService({
        storage,
        sealer,
        outbound,
        audit,
        log,
        publicUrl: config.publicUrl,
        outboundCounter: new LimitCounter(redis, 'connector-outbound'),
      }),
      idempotencyKeys: new IdempotencyKeys(storage.db, sealer),
      operators: new Operators(storage.db, loginThrottle, { publicUrl: config.publicUrl, linkTtlSeconds: config.passwordLinkTtl }),
      operatorSessions: new OperatorSessions(storage.db, {
        ttlSeconds: config.sessionTtl,
        idleSeconds: config.console.idleSeconds,
        secure: config.publicUrl.startsWith('https:'),
      }),
    };
    const app = await createHttp(services);
    // This instance's own copies of keys and revocations: re-read now and then even without a
    // signal, so one missed while the listener was away cannot keep them stale for long.
    const timers = [
      setInterval(() => keystore.reload().catch((err) => log.warn({ err }, 'key reload failed')), CACHE_LIFETIME_MS),
      setInterval(() => tokens.refreshRevocations().catch((err) => log.warn({ err }, 'revocation refresh failed')), CACHE_LIFETIME_MS),
    ];
    for (const t of timers) t.unref();
    // Shared work runs once across instances, on the job queue's schedules.
    await jobs.every('purge-expired', '23 * * * *', () => purgeExpired(services));
    await jobs.every('connection-sweep', '* * * * *', () => services.connectors.sweep());
    app.addHook('onClose', async () => {
      for (const t of timers) clearInterval(t);
      await services.webhooks.stop();
      await jobs?.stop();
      await outbound?.destroy();
      await usage.close();
      await audit.close();
      await storage.close();
      flushLogger(log);
      await redis?.close();
    });
    return { app, services, bootstrapAdminToken, close: () => app.close() };
  } catch (error) {
    await webhooks?.stop().catch(() => {});
    await jobs?.stop().catch(() => {});
    await outbound?.destroy().catch(() => {});
    await storage.close().catch(() => {});
    await redis?.close();
    throw error;
  }
}

/** Rows that can no longer matter: expired links, sessions, codes, tokens, throttle entries and idempotency keys. */
async function purgeExpired(services: Services): Promise<void> {
  const purges = {
    'login links': () => services.loginLinks.purge(),
    'browser sessions': () => services.browserSessions.purge(),
    'authorization codes': () => services.codes.purge(),
    'refresh tokens': () => services.refreshTokens.purge(),
    'password links': () => services.passwordLinks.purge(),
    'login throttle': () => services.loginThrottle.purge(),
    'connector states and links': () => services.connectors.purge(),
    'idempotency keys': () => services.idempotencyKeys.purge(),
    'operator links': () => services.operators.purge(),
    'console sessions': () => services.operatorSessions.purge(),
  };
  for (const [what, purge] of Object.entries(purges)) {
    // One failing purge must not keep the others from running.
    await purge().catch((err) => services.log.warn({ err, what }, 'purge failed'));
  }
}

/**
 * What Fastify is told to trust. A hop count becomes a function: Fastify 5 takes a bare number
 * as "trust no hop" (it cannot tell a proxy from a client that wrote enough entries itself), so
 * a configured count would silently leave every address the proxy's. With n hops, the socket's
 * peer and the n - 1 entries before it in X-Forwarded-For are proxies; the next one is the client.
 */
function trustFunction(trust: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

async function createHttp(services: Services): Promise<FastifyInstance> {
  const { config } = services;
  const https = config.publicUrl.startsWith('https:');
  const headers = securityHeaderValues(https);
  const errorHandler = createErrorHandler(errorPage);
  const app = Fastify({
    loggerInstance: services.log as unknown as FastifyBaseLogger,
    bodyLimit: config.bodyLimit,
    // Unset, X-Forwarded-* are ignored: request.ip is the peer, request.protocol the socket's.
    trustProxy: trustFunction(config.trustProxy),
    // Slow clients: the whole request must arrive in time, and an idle socket is closed.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    // Node checks request deadlines on an interval (30 s by default): check often enough to honour
    // them. It reads the deadlines given when the server is made (setting them afterwards, as
    // Fastify does, is not enough), and the headers' deadline may not exceed the request's.
    http: {
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(config.requestTimeoutMs / 4))),
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: Math.min(60_000, config.requestTimeoutMs),
    },
    return503OnClosing: true,
    // One line per request, with the URL redacted, instead of Fastify's two.
    logController: new RequestLog(services.log),
    schemaErrorFormatter,
    // The router's own refusals (a malformed or over-long path parameter) get the same error body;
    // they are decided before any hook runs, so the security headers are set here too.
    frameworkErrors: (error, request, reply) => errorHandler(error, request, reply.headers(headers)),
  });
  app.setChildLoggerFactory(lazyChildLogger as unknown as Parameters<FastifyInstance['setChildLoggerFactory']>[0]);
  decorateRequestFields(app);
  validation(app);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler({ preValidation: storableInput }, (request) => {
    throw errors.NotFound(`no route for ${request.method} ${request.url.split('?')[0]}`);
  });
  await app.register(formbody);
  await app.register(cookie);
  securityHeaders(app, https);
  registerRateLimits(app, services.redis);
  // Before any route is declared: every route gets its own metrics hook.
  metricsHooks(app, services.metrics, config.metricsToken);
  await openApi(app, services);
  healthRoutes(app, services);
  metadataRoutes(app, services);
  tokenRoute(app, services);
  introspectRoute(app, services);
  revokeRoute(app, services);
  userinfoRoute(app, services);
  await app.register(authorizeRoutes(services, { consent: consentPage, notice: noticePage }));
  await app.register(endSessionRoutes(services, endSessionPages));
  await app.register(adminApi(services), { prefix: '/admin/api/v1' });
  await app.register(oemApi(services), { prefix: '/api/oem-api' });
  await app.register(vendorApi(services), { prefix: '/api/vendor-api' });
  await app.register(mspApi(services), { prefix: '/api/msp/v1' });
  await app.register(partnerRoutes(services), { prefix: '/api/partner' });
  await app.register(uiPages(services, (request, reply, session) => connectionsSection(services, request, reply, session)));
  await app.register(connectorRoutes(services));
  // GATEHOUSE_CONSOLE=false: the routes are not registered, so every /console path is a 404.
  if (config.console.enabled) await app.register(consolePages(services));
  return app;
}
