// The connector service, built once by the composition root: definitions, connections, their
// live credentials, the browser authorization, connect links, and the jobs that keep them tidy.
import type { Logger } from 'pino';
import type { Audit } from '../audit/audit.ts';
import type { Sealer } from '../crypto.ts';
import type { Storage } from '../db/index.ts';
import type { Agent } from 'undici';
import { errors } from '../errors.ts';
import { Authorization } from './authorization.ts';
import { ConnectLinks } from './connect-links.ts';
import { Connections, type ConnectionRow } from './connections.ts';
import { Connectors } from './connectors.ts';
import { Credentials } from './credentials.ts';
import { TokenEndpoint } from './token-endpoint.ts';

export interface ConnectorServiceOptions {
  storage: Storage;
  sealer: Sealer;
  /** The SSRF-guarded outbound Agent (net/outbound.ts); the composition root owns and closes it. */
  outbound: Agent;
  audit: Audit;
  log: Logger;
  publicUrl: string;
}

/** Connections whose token expires within this window are looked at by the sweep. */
const SWEEP_WINDOW_MS = 86_400_000;

export class ConnectorService {
  readonly connectors: Connectors;
  readonly connections: Connections;
  readonly credentials: Credentials;
  readonly authorization: Authorization;
  readonly links: ConnectLinks;
  readonly tokenEndpoint: TokenEndpoint;
  readonly outbound: Agent;
  #o: ConnectorServiceOptions;

  constructor(options: ConnectorServiceOptions) {
    const { storage, sealer, audit, publicUrl, outbound } = options;
    this.#o = options;
    this.outbound = outbound;
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

  /** RFC 6749 §4.4: connect without a browser, with the connector's own client credentials. */
  async connectClientCredentials(connectorId: string, organizationId: string): Promise<{ connection: ConnectionRow; created: boolean }> {
    const connector = await this.connectors.get(connectorId);
    if (connector.definition.grantType !== 'client_credentials') {
      throw errors.Invalid(`connector "${connector.definition.name}" uses the authorization code grant: connect through a browser (create a connect link)`);
    }
    const tokens = await this.tokenEndpoint.token(connector, { grant_type: 'client_credentials' }, 'token');
    return this.connections.save(connector, organizationId, tokens);
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
        if (refresh) revoked = await this.tokenEndpoint.revoke(connector, refresh, 'refresh_token');
        if (access) revoked = (await this.tokenEndpoint.revoke(connector, access, 'access_token')) || revoked;
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
