// The live credential of a connection, refreshed ahead of expiry (the connector's margin) or
// after the vendor answers 401. One refresh at a time per connection:
//   - in this process, callers share one promise per connection (single flight);
//   - across instances, a refresh first takes a short lease on the row under SELECT ... FOR
//     UPDATE, re-reading it after the lock: if another instance refreshed meanwhile, its token is
//     used and no request goes to the vendor. The vendor is called with no lock held, so a slow
//     vendor never holds a database connection (or the embedded database) hostage;
//   - the new token is written only if `version` still has the value read under the lease, so a
//     refresher whose lease ran out cannot overwrite a newer token (fencing).
// A two-step connection (authMode two_step) renews its token the same way, through the vendor's
// own token request; API-key and Basic connections have no token to renew.
// After MAX_FAILURES failed refreshes in a row, or one that cannot succeed later (the grant was
// refused), the connection is `broken` and connection.refresh_failed is emitted. Connecting
// again heals it.
import type { Kysely } from 'kysely';
import type { Audit } from '../audit/audit.ts';
import { RESYNC, signal, type Storage } from '../db/index.ts';
import { LoadingCache } from '../db/cache.ts';
import type { Database } from '../db/schema.ts';
import { storableText } from '../db/storable.ts';
import { AppError } from '../errors.ts';
import { emit } from '../events/outbox.ts';
import type { ConnectionRow, ConnectionStatus, Connections } from './connections.ts';
import { notFound } from './connections.ts';
import type { Connector, Connectors } from './connectors.ts';
import { resolve, secretsOf } from './settings.ts';
import { VendorTokenError, type Grant, type TokenEndpoint } from './token-endpoint.ts';
import type { TokenSet } from './token-response.ts';
import { placementOf, type Placement } from './proxy/credential.ts';

const MAX_FAILURES = 3;

/** What a proxied call needs, decrypted, cached per instance. */
export interface Live {
  id: string;
  organizationId: string;
  vendorId: string;
  /** The connector as this connection sees it: its templates filled from the connection's settings. */
  connector: Connector;
  status: ConnectionStatus;
  accessToken: string | undefined;
  /** The connection's credentials, to keep out of anything passed back to the caller. */
  secrets: string[];
  /** Where the proxy puts the credential, and the forms of it kept out of answers. */
  placement: Placement;
  expiresAt: Date | null;
  version: number;
}

export type RefreshReason = 'expiring' | 'unauthorized' | 'requested';

class ConnectionBroken extends AppError {
  constructor(id: string) {
    super('connection_broken', `connection "${id}" is broken: its token could not be refreshed; connect again to repair it`);
  }
}

interface Options {
  storage: Storage;
  connections: Connections;
  connectors: Connectors;
  tokenEndpoint: TokenEndpoint;
  audit: Audit;
  now?: () => number;
}

type Step = { kind: 'done' } | { kind: 'broken' } | { kind: 'wait'; until: number } | { kind: 'lease'; row: ConnectionRow };

export class Credentials {
  #db: Kysely<Database>;
  #o: Options;
  #now: () => number;
  #cache = new LoadingCache<Live | undefined>({ keep: (l) => l !== undefined });
  #flights = new Map<string, Promise<Live>>();
  #waiters = new Map<string, Set<() => void>>();

  constructor(options: Options) {
    this.#o = options;
    this.#db = options.storage.db;
    this.#now = options.now ?? Date.now;
    options.connectors.onChange(() => this.#cache.clear());
    options.storage.onSignal((s) => {
      if (s.topic === RESYNC) {
        this.#cache.clear();
        for (const id of this.#waiters.keys()) this.forget(id);
      } else if (s.topic === 'connection' && s.id) this.forget(s.id);
    });
  }

  /** Drop the cached credential (the row changed) and wake anyone waiting on a refresh elsewhere. */
  forget(id: string): void {
    this.#cache.delete(id);
    for (const wake of this.#waiters.get(id) ?? []) wake();
  }

  /** The cached live credential (undefined for an unknown connection). */
  live(id: string): Promise<Live | undefined> {
    return this.#cache.get(id, () => this.#load(id));
  }

  async #load(id: string): Promise<Live | undefined> {
    const row = await this.#db
      .selectFrom('connections')
      .innerJoin('organizations', 'organizations.id', 'connections.organization_id')
      .selectAll('connections')
      .select('organizations.vendor_id')
      .where('connections.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const settings = this.#o.connections.settings(row);
    const connector = resolve(await this.#o.connectors.get(row.connector_id), settings);
    const accessToken = this.#o.connections.open(row.access_token);
    const secrets = secretsOf(settings);
    return {
      id,
      organizationId: row.organization_id,
      vendorId: row.vendor_id,
      connector,
      status: row.status,
      accessToken,
      secrets,
      placement: placementOf(connector.definition, accessToken, secrets),
      expiresAt: row.expires_at,
      version: row.version,
    };
  }

  #expiring(expiresAt: Date | null, hasToken: boolean, connector: Connector): boolean {
    if (!hasToken) return true;
    return expiresAt !== null && expiresAt.getTime() - connector.definition.refreshMarginSeconds * 1000 <= this.#now();
  }

  /** A credential fit to use now: refreshed first when it is within the margin of expiry. */
  async usable(live: Live): Promise<Live> {
    if (live.status === 'broken') throw new ConnectionBroken(live.id);
    if (!hasToken(live.connector)) return live;
    if (!this.#expiring(live.expiresAt, live.accessToken !== undefined, live.connector)) return live;
    return this.refresh(live.id, live.version, 'expiring');
  }

  /** Refresh once for everyone: `seenVersion` is the version the caller's token came from. */
  refresh(id: string, seenVersion: number, reason: RefreshReason): Promise<Live> {
    let flight = this.#flights.get(id);
    if (!flight) {
      flight = this.#refresh(id, seenVersion, reason).finally(() => this.#flights.delete(id));
      this.#flights.set(id, flight);
    }
    return flight;
  }

  async #refresh(id: string, seenVersion: number, reason: RefreshReason): Promise<Live> {
    for (;;) {
      const step = await this.#acquire(id, seenVersion, reason);
      if (step.kind === 'broken') throw new ConnectionBroken(id);
      if (step.kind === 'wait') {
        await this.#changed(id, Math.min(200, Math.max(10, step.until - this.#now())));
        continue;
      }
      if (step.kind === 'lease') await this.#renew(step.row);
      this.#cache.delete(id);
      const live = await this.live(id);
      if (!live) throw notFound(id);
      return live;
    }
  }

  /** Under the row lock: reuse a refresh done elsewhere, wait for one in progress, or take the lease. */
  #acquire(id: string, seenVersion: number, reason: RefreshReason): Promise<Step> {
    return this.#db.transaction().execute(async (trx): Promise<Step> => {
      const row = await trx.selectFrom('connections').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw notFound(id);
      if (row.status === 'broken') return { kind: 'broken' };
      const connector = await this.#o.connectors.get(row.connector_id);
      if (!hasToken(connector)) return { kind: 'done' };
      const newer = row.version !== seenVersion;
      if (newer && (reason !== 'expiring' || !this.#expiring(row.expires_at, row.access_token !== null, connector))) return { kind: 'done' };
      const now = this.#now();
      if (row.refresh_lease_until && row.refresh_lease_until.getTime() > now) return { kind: 'wait', until: row.refresh_lease_until.getTime() };
      // Long enough for the token request and the write after it; a crashed holder's lease lapses.
      const until = new Date(now + connector.definition.timeoutMs + 5000);
      await trx.updateTable('connections').set({ refresh_lease_until: until }).where('id', '=', id).execute();
      return { kind: 'lease', row };
    });
  }

  /** Wait until a signal says the connection changed, or `ms` passes. */
  #changed(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.#waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  /** Holding the lease: ask the vendor, then write with the fencing check. */
  async #renew(row: ConnectionRow): Promise<void> {
    const { connections } = this.#o;
    const connector = await this.#o.connectors.get(row.connector_id);
    let tokens;
    try {
      tokens = await this.#renewal(connector, row);
    } catch (error) {
      await this.#failed(row, connector, error);
      throw error instanceof AppError ? error : new VendorTokenError('the token refresh failed', false);
    }
    const seal = (value: string) => connections.sealer.seal(value);
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('connections')
        .set({
          access_token: seal(tokens.accessToken),
          // RFC 6749 §6: the server MAY issue a new refresh token; without one, the old one stays.
          ...(tokens.refreshToken !== undefined ? { refresh_token: seal(tokens.refreshToken) } : {}),
          ...(tokens.tokenType !== undefined ? { token_type: tokens.tokenType } : {}),
          ...(tokens.scope !== undefined ? { scope: tokens.scope } : {}),
          expires_at: tokens.expiresAt,
          ...(tokens.config && Object.keys(tokens.config).length > 0 ? { config: JSON.stringify({ ...row.config, ...tokens.config }) } : {}),
          version: row.version + 1,
          refresh_lease_until: null,
          refresh_failures: 0,
          last_error: null,
          last_refresh_at: new Date(this.#now()),
          updated_at: new Date(this.#now()),
        })
        .where('id', '=', row.id)
        .where('version', '=', row.version)
        .execute();
      await signal(trx, 'connection', row.id);
    });
    this.#o.audit.record({
      action: 'connection.refreshed',
      outcome: 'success',
      actor: 'gatehouse',
      details: { connection_id: row.id, connector_id: row.connector_id },
    });
  }

  /** The vendor's new token: a two-step exchange, a client-credentials grant, or a refresh (RFC 6749 §6). */
  async #renewal(connector: Connector, row: ConnectionRow): Promise<TokenSet> {
    const { connections, tokenEndpoint } = this.#o;
    const resolved = resolve(connector, connections.settings(row), 'exchange');
    if (connector.definition.authMode === 'two_step') return tokenEndpoint.twoStep(resolved);
    const refreshToken = connections.open(row.refresh_token);
    let grant: Grant | undefined;
    if (connector.definition.grantType === 'client_credentials') grant = { grant_type: 'client_credentials' };
    else if (refreshToken) grant = { grant_type: 'refresh_token', refresh_token: refreshToken };
    if (!grant) throw new VendorTokenError('the vendor gave no refresh token: connect again', true);
    return tokenEndpoint.token(resolved, grant, 'refresh');
  }

  async #failed(row: ConnectionRow, connector: Connector, error: unknown): Promise<void> {
    // The message may quote the vendor's answer: stored, and sent in an event, as storable text.
    const message = storableText((error instanceof Error ? error.message : String(error)).slice(0, 500));
    const permanent = error instanceof VendorTokenError && error.permanent;
    const failures = row.refresh_failures + 1;
    const broken = permanent || failures >= MAX_FAILURES;
    await this.#db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('connections')
        .set({
          refresh_failures: failures,
          last_error: message,
          refresh_lease_until: null,
          updated_at: new Date(this.#now()),
          ...(broken ? { status: 'broken' as const } : {}),
        })
        .where('id', '=', row.id)
        .where('version', '=', row.version)
        .where('status', '<>', 'broken')
        .executeTakeFirst();
      if (broken && Number(updated.numUpdatedRows) > 0) {
        await emit(trx, {
          type: 'connection.refresh_failed',
          organizationId: row.organization_id,
          data: { organizationId: row.organization_id, connectionId: row.id, connectorId: row.connector_id, error: message, failures },
        });
      }
      await signal(trx, 'connection', row.id);
    });
    this.#cache.delete(row.id);
    this.#o.audit.record({
      action: 'connection.refresh_failed',
      outcome: 'failure',
      actor: 'gatehouse',
      details: { connection_id: row.id, connector_id: connector.id, error: message, failures, broken },
    });
  }
}

/** Whether the connection holds a token that expires (OAuth 2.0 and two-step exchanges). */
export function hasToken(connector: Connector): boolean {
  return connector.definition.authMode === 'oauth2' || connector.definition.authMode === 'two_step';
}
