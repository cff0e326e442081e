// The connector service, built once by the composition root: definitions, connections, their
// live credentials, the browser authorization, connect links, and the jobs that keep them tidy.
import type { Logger } from 'pino';
import type { Audit } from '../audit/audit.ts';
import type { Sealer } from '../crypto.ts';
import type { Storage } from '../db/index.ts';
import type { Agent } from 'undici';
import { errors } from '../errors.ts';
import { Authorization } from './authorization.ts';
import { Catalogue } from './catalogue.ts';
import { ConnectLinks } from './connect-links.ts';
import { Connections, type ConnectionRow, type Unverified } from './connections.ts';
import { Connectors, type Connector } from './connectors.ts';
import { Credentials, type Live } from './credentials.ts';
import { placementOf } from './proxy/credential.ts';
import { hostSettings, type ConnectorDefinition } from './definition.ts';
import { checkSettings, resolve, secretsOf, type Settings, type SettingsInput } from './settings.ts';
import { OutboundLimit, type WindowCounter } from './proxy/outbound-limit.ts';
import { TokenEndpoint } from './token-endpoint.ts';
import type { TokenSet } from './token-response.ts';
import { exchangeFailure, verifyConnection } from './verify.ts';

export interface ConnectorServiceOptions {
  storage: Storage;
  sealer: Sealer;
  /** The SSRF-guarded outbound Agent (net/outbound.ts); the composition root owns and closes it. */
  outbound: Agent;
  audit: Audit;
  log: Logger;
  publicUrl: string;
  /** Where connections' outbound limits are counted: the shared rate-limit store. */
  outboundCounter: WindowCounter;
}

/** Connections whose token expires within this window are looked at by the sweep. */
const SWEEP_WINDOW_MS = 86_400_000;

/**
 * A setting that names a host the stored credentials (or the token they were exchanged for) go
 * to cannot change alone: whoever changes it would have them sent to a host of their choosing.
 * With new credentials it may; an OAuth connection's token came from the old host, so it connects
 * again instead.
 */
function checkHostsKept(d: ConnectorDefinition, before: Settings['config'], after: Settings['config'], newCredentials: boolean): void {
  const declared = new Set(d.connectionConfig.map((f) => f.name));
  for (const name of hostSettings(d)) {
    // A value lifted from the token response is not the caller's to change.
    if (!declared.has(name)) continue;
    if (String(before[name] ?? '') === String(after[name] ?? '')) continue;
    if (d.authMode === 'oauth2') {
      throw errors.Invalid(`body/config/${name}: changing ${name} changes where the connection's token is sent: connect again instead`);
    }
    if (!newCredentials && d.credentials.length > 0) {
      throw errors.Invalid(`body/config/${name}: changing ${name} changes where the credentials are sent: enter the credentials again`);
    }
  }
}

export class ConnectorService {
  readonly connectors: Connectors;
  readonly connections: Connections;
  readonly credentials: Credentials;
  readonly authorization: Authorization;
  readonly links: ConnectLinks;
  readonly tokenEndpoint: TokenEndpoint;
  readonly outbound: Agent;
  readonly outboundLimit: OutboundLimit;
  readonly catalogue = new Catalogue();
  #o: ConnectorServiceOptions;

  constructor(options: ConnectorServiceOptions) {
    const { storage, sealer, audit, publicUrl, outbound } = options;
    this.#o = options;
    this.outbound = outbound;
    this.outboundLimit = new OutboundLimit(options.outboundCounter);
    this.connectors = new Connectors(storage, sealer);
    this.connections = new Connections(storage.db, sealer, (id) => this.credentials.forget(id));
    this.tokenEndpoint = new TokenEndpoint(outbound);
    this.credentials = new Credentials({ storage, connections: this.connections, connectors: this.connectors, tokenEndpoint: this.tokenEndpoint, audit });
    this.authorization = new Authorization({
      db: storage.db,
      sealer,
      connectors: this.connectors,
      connections: this.connections,
      tokenEndpoint: this.tokenEndpoint,
      publicUrl,
    });
    this.links = new ConnectLinks(storage.db, publicUrl);
  }

  /**
   * Connect without a browser: with the connection's own settings for API keys, Basic and
   * two-step exchanges, or with the connector's client credentials (RFC 6749 §4.4). The
   * credentials are proven first (verify.ts).
   */
  async connect(connectorId: string, organizationId: string, input: SettingsInput = {}): Promise<{ connection: ConnectionRow; created: boolean }> {
    const connector = await this.connectors.get(connectorId);
    const d = connector.definition;
    if (d.authMode === 'oauth2' && d.grantType !== 'client_credentials') {
      throw errors.Invalid(`connector "${d.name}" uses the authorization code grant: connect through a browser (create a connect link)`);
    }
    const settings = checkSettings(d, input);
    const { tokens, unverified } = await this.#prove(connector, settings, organizationId, undefined);
    return this.connections.save(connector, organizationId, tokens, { settings, unverified });
  }

  /** Replace a connection's config or credentials (each as a whole), proven again. */
  async update(id: string, input: SettingsInput): Promise<ConnectionRow> {
    const row = await this.connections.get(id);
    const connector = await this.connectors.get(row.connector_id);
    const d = connector.definition;
    const changed = (['config', 'credentials'] as const).filter((k) => input[k] !== undefined);
    if (changed.length === 0) throw errors.Invalid('body must name config or credentials');
    if (input.credentials !== undefined && d.credentials.length === 0) throw errors.Invalid(`body/credentials: connector "${d.name}" takes no credentials`);
    const current = this.connections.settings(row);
    const declared = new Set(d.connectionConfig.map((f) => f.name));
    const settings = checkSettings(d, {
      config: input.config ?? Object.fromEntries(Object.entries(current.config).filter(([k]) => declared.has(k))),
      credentials: input.credentials ?? current.credentials,
    });
    checkHostsKept(d, current.config, settings.config, input.credentials !== undefined);
    // Values the vendor gave in its token response stay until it gives new ones.
    const lifted = Object.fromEntries(Object.entries(current.config).filter(([k]) => Object.hasOwn(d.tokenResponse.config, k)));
    const kept = { ...settings, config: { ...lifted, ...settings.config } };
    let held: Live | undefined;
    if (d.authMode === 'oauth2') {
      const live = await this.credentials.live(id);
      held = live && (await this.credentials.usable(live));
    }
    const { tokens, unverified } = await this.#prove(connector, kept, row.organization_id, held);
    return this.connections.update(row, kept, changed, tokens, unverified);
  }

  /**
   * The token the settings yield (a two-step exchange, a client-credentials grant) and the
   * verify call with it. `held`: an OAuth connection's current token, used instead of a new one.
   */
  async #prove(
    connector: Connector,
    settings: Settings,
    organizationId: string,
    held: Live | undefined,
  ): Promise<{ tokens: TokenSet | undefined; unverified: Unverified | undefined }> {
    const d = connector.definition;
    const secrets = secretsOf(settings);
    const forExchange = resolve(connector, settings, 'exchange');
    let tokens: TokenSet | undefined;
    let unverified: Unverified | undefined;
    if (d.authMode === 'two_step') {
      try {
        tokens = await this.tokenEndpoint.twoStep(forExchange);
      } catch (error) {
        unverified = exchangeFailure(error, secrets);
      }
    } else if (d.authMode === 'oauth2' && !held) {
      tokens = await this.tokenEndpoint.token(forExchange, { grant_type: 'client_credentials' }, 'token');
    }
    if (!unverified) {
      // Every template filled now (values lifted from the token response included): a 400 here
      // rather than a proxied call with a placeholder left in it.
      const config = { ...settings.config, ...tokens?.config };
      const filled = resolve(connector, { ...settings, config }, 'all');
      const accessToken = tokens?.accessToken ?? held?.accessToken;
      const live: Live = {
        id: 'unsaved',
        organizationId,
        vendorId: '',
        connector: filled,
        status: 'active',
        accessToken,
        secrets,
        placement: placementOf(filled.definition, accessToken, secrets),
        expiresAt: tokens?.expiresAt ?? null,
        version: 0,
      };
      unverified = await verifyConnection(this.outbound, live, secrets);
    }
    return { tokens, unverified };
  }

  /** Delete the connection, revoking its tokens at the vendor first when it can (RFC 7009). */
  async disconnect(id: string): Promise<{ connection: ConnectionRow; revoked: boolean }> {
    const row = await this.connections.get(id);
    const connector = await this.connectors.get(row.connector_id);
    let revoked = false;
    if (connector.definition.revocationUrl) {
      // RFC 7009 §2.1: revoking the refresh token may take its access tokens with it; both are sent.
      const refresh = this.connections.open(row.refresh_token);
      const access = this.connections.open(row.access_token);
      try {
        // The revocation URL may name the connection's tenant: filled like every other template.
        const target = resolve(connector, this.connections.settings(row));
        if (refresh) revoked = await this.tokenEndpoint.revoke(target, refresh, 'refresh_token');
        if (access) revoked = (await this.tokenEndpoint.revoke(target, access, 'access_token')) || revoked;
      } catch (error) {
        this.#o.log.warn({ err: error, connectionId: id }, 'could not revoke the connection at the vendor');
      }
    }
    const connection = await this.connections.remove(id);
    return { connection, revoked };
  }

  /** Refresh what is about to expire, so idle connections stay alive. Failures count as usual. */
  async sweep(): Promise<void> {
    for (const id of await this.connections.expiringWithin(SWEEP_WINDOW_MS)) {
      try {
        const live = await this.credentials.live(id);
        if (live) await this.credentials.usable(live);
      } catch (error) {
        this.#o.log.debug({ err: error, connectionId: id }, 'sweep: refresh failed');
      }
    }
  }

  async purge(): Promise<void> {
    await this.authorization.purge();
    await this.links.purge();
  }
}
