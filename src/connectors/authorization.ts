// The authorization-code connection (RFC 6749 §4.1) with Gatehouse as the client: send the
// browser to the vendor's authUrl with a single-use `state` (10 minutes, bound to this browser by
// a cookie, RFC 9700 §4.7.1) and a PKCE challenge (RFC 7636); on the way back to the one fixed
// redirect URI, check the state, exchange the code as the connector declares, store the tokens.
import type { Kysely } from 'kysely';
import { randomToken, safeEqual, sha256, type Sealer } from '../crypto.ts';
import { SpendableTokens } from '../db/one-time-tokens.ts';
import type { Database } from '../db/schema.ts';
import { AppError, errors } from '../errors.ts';
import { s256 } from '../oauth/pkce.ts';
import type { ConnectionRow, Connections } from './connections.ts';
import type { Connector, Connectors } from './connectors.ts';
import { oauthClient } from './definition.ts';
import { checkSettings, resolve, type Settings } from './settings.ts';
import type { TokenEndpoint } from './token-endpoint.ts';
import { mergeParams, scopeValue, withQuery } from './wire.ts';

export const REDIRECT_PATH = '/oauth2/redirect_url';
export const STATE_TTL_SECONDS = 600;

/** The callback could not be matched to an authorization Gatehouse started in this browser. */
class StateError extends AppError {
  constructor(message: string) {
    super('invalid_state', message);
  }
}

interface Options {
  db: Kysely<Database>;
  sealer: Sealer;
  connectors: Connectors;
  connections: Connections;
  tokenEndpoint: TokenEndpoint;
  publicUrl: string;
}

export interface Pending {
  connector: Connector;
  organizationId: string;
  userId: string | null;
  codeVerifier: string | undefined;
  /** The connection's config, asked for before the browser left (a tenant in the vendor's URLs). */
  settings: Settings;
}

export class Authorization {
  readonly redirectUri: string;
  #o: Options;
  #states: SpendableTokens<'connector_states'>;

  constructor(options: Options) {
    this.#o = options;
    this.#states = new SpendableTokens(options.db, { table: 'connector_states', hashColumn: 'state_hash', ttlSeconds: STATE_TTL_SECONDS });
    this.redirectUri = `${options.publicUrl}${REDIRECT_PATH}`;
  }

  /**
   * Record the request and return the vendor URL to send the browser to. `config`: the
   * connector's connectionConfig values, checked here (400 naming the field) and kept with the
   * state, since the authorization and token URLs may depend on them.
   */
  async start(connector: Connector, organizationId: string, userId: string | null, binding: string, config: Record<string, unknown> = {}): Promise<string> {
    const settings = checkSettings(connector.definition, { config });
    const d = resolve(connector, settings, 'exchange').definition;
    if (d.grantType !== 'authorization_code' || !d.authUrl) {
      throw errors.Invalid(`connector "${d.name}" uses client credentials: it connects without a browser`);
    }
    const verifier = d.pkce ? randomToken(48) : undefined;
    const { token: state } = await this.#states.issue({
      connector_id: connector.id,
      organization_id: organizationId,
      user_id: userId,
      binding_hash: sha256(binding),
      code_verifier: verifier === undefined ? null : this.#o.sealer.seal(verifier),
      config: Object.keys(settings.config).length > 0 ? JSON.stringify(settings.config) : null,
    });
    return withQuery(
      d.authUrl,
      mergeParams(d.extra.auth.params, {
        response_type: 'code',
        client_id: oauthClient(d).clientId,
        redirect_uri: this.redirectUri,
        scope: scopeValue(d),
        state,
        ...(verifier ? { code_challenge: s256(verifier), code_challenge_method: 'S256' } : {}),
      }),
    );
  }

  /** Spend the state of a callback; refuses unknown, expired, spent and other browsers' states. */
  async consume(state: string | undefined, binding: string | undefined): Promise<Pending> {
    if (!state) throw new StateError('The answer from the vendor has no state, so it cannot be matched to a connection attempt.');
    const row = await this.#states.find(state);
    if (!row) throw new StateError('This connection attempt is unknown. Start again from Gatehouse.');
    if (row.used_at) throw new StateError('This connection attempt was already completed. Start again from Gatehouse.');
    if (row.expires_at <= new Date()) throw new StateError('This connection attempt has expired (it lasts 10 minutes). Start again from Gatehouse.');
    if (!binding || !safeEqual(sha256(binding), row.binding_hash)) {
      throw new StateError('This connection attempt was started in another browser. Start again from Gatehouse in this one.');
    }
    // The checks above only give the failures their words; the spend is what decides, so of two
    // callbacks racing on one state only one gets past here.
    if (!(await this.#states.spend(state))) throw new StateError('This connection attempt was already completed. Start again from Gatehouse.');
    return {
      connector: await this.#o.connectors.get(row.connector_id),
      organizationId: row.organization_id,
      userId: row.user_id,
      codeVerifier: row.code_verifier === null ? undefined : this.#o.sealer.open(row.code_verifier),
      settings: { config: row.config ?? {}, credentials: {} },
    };
  }

  /** RFC 6749 §4.1.3: exchange the code (with the PKCE verifier) and store the connection. */
  async complete(pending: Pending, code: string): Promise<{ connection: ConnectionRow; created: boolean }> {
    const tokens = await this.#o.tokenEndpoint.token(
      resolve(pending.connector, pending.settings, 'exchange'),
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: this.redirectUri,
        ...(pending.codeVerifier ? { code_verifier: pending.codeVerifier } : {}),
      },
      'token',
    );
    return this.#o.connections.save(pending.connector, pending.organizationId, tokens, { settings: pending.settings });
  }

  purge(): Promise<void> {
    return this.#states.purge();
  }
}
