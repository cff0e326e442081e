// Signing keys. They live in the database with the private half sealed; every instance keeps
// the usable ones in memory and reloads when any instance signals a rotation.
//
// Lifecycle: next -> current -> previous -> gone. The JWKS publishes all three, so relying
// parties have fetched a key before it signs anything, and can still verify tokens signed by
// the previous key until the longest of them has expired.
import { generateKeyPairSync, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { sql, type Kysely } from 'kysely';
import { ConfigError, type SigningAlgorithm } from '../config.ts';
import type { Sealer } from '../crypto.ts';
import { signal, type Storage } from '../db/index.ts';
import { touches } from '../db/cache.ts';
import type { Database } from '../db/schema.ts';
import { createAsyncSigner, type AsyncSigner } from './jws.ts';

export interface PublicKeyInfo {
  kid: string;
  alg: string;
  status: 'next' | 'current' | 'previous';
  created_at: string;
  activated_at: string | null;
  expires_at: string | null;
}

type Verify = (token: string) => Record<string, unknown>;

interface Loaded {
  kid: string;
  alg: SigningAlgorithm;
  status: PublicKeyInfo['status'];
  info: PublicKeyInfo;
  jwk: JWK;
  verify: Verify;
  /** The same check without the expiry: for ID Tokens sent back as hints (OIDC Core §3.1.2.1). */
  verifySignature: Verify;
}

/** The JOSE header alone, to pick the key; the verifier decodes the payload itself. */
function decodeHeader(token: string): Record<string, unknown> {
  const dot = token.indexOf('.');
  if (dot <= 0) throw new Error('malformed JWT');
  const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new Error('malformed JWT header');
  return header as Record<string, unknown>;
}

function generate(alg: SigningAlgorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519');
  if (alg === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 });
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

export interface KeystoreOptions {
  storage: Storage;
  sealer: Sealer;
  algorithm: SigningAlgorithm;
  issuer: string;
  /** Longest access-token lifetime in seconds: how long a retired key stays verifiable. */
  maxTokenLifetime: () => Promise<number>;
}

export class Keystore {
  #options: KeystoreOptions;
  #db: Kysely<Database>;
  #keys = new Map<string, Loaded>();
  #current: Loaded | undefined;
  #signers = new Map<string, (payload: Record<string, unknown>) => string>();
  #accessTokenSigners = new Map<string, AsyncSigner>(); // by kid
  #idTokenSigners = new Map<string, AsyncSigner>(); // by kid, typ JWT
  #jwks = '{"keys":[]}';
  #reloading: Promise<void> | undefined;

  constructor(options: KeystoreOptions) {
    this.#options = options;
    this.#db = options.storage.db;
    options.storage.onSignal((s) => {
      if (touches(s, 'keys')) this.reload().catch(() => {});
    });
  }

  /** Make sure a current and a next key exist, then load them. */
  async init(): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      // Serialise first boots of several instances: only one creates the initial keys.
      await sql`select pg_advisory_xact_lock(727001)`.execute(trx);
      const have = await trx.selectFrom('signing_keys').select('status').where('status', 'in', ['current', 'next']).execute();
      if (!have.some((k) => k.status === 'current')) await this.#insert(trx, 'current');
      if (!have.some((k) => k.status === 'next')) await this.#insert(trx, 'next');
    });
    await this.reload();
  }

  async #insert(trx: Kysely<Database>, status: 'current' | 'next'): Promise<void> {
    const alg = this.#options.algorithm;
    const { privateKey, publicKey } = generate(alg);
    const jwk = publicKey.export({ format: 'jwk' }) as JWK;
    const kid = await calculateJwkThumbprint(jwk, 'sha256');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await trx
      .insertInto('signing_keys')
      .values({
        kid,
        alg,
        status,
        public_jwk: JSON.stringify({ ...jwk, kid, alg, use: 'sig' }),
        private_key: this.#options.sealer.seal(pem),
        activated_at: status === 'current' ? new Date() : null,
      })
      .execute();
  }

  /** Re-read the keys from the database (after a signal, or periodically). */
  reload(): Promise<void> {
    // Coalesce overlapping reloads into one.
    this.#reloading ??= this.#load().finally(() => (this.#reloading = undefined));
    return this.#reloading;
  }

  #openPrivateKey(sealed: string): string {
    try {
      return this.#options.sealer.open(sealed);
    } catch {
      // The one mistake that lands here is starting with another key than the database was made with.
      throw new ConfigError(
        'GATEHOUSE_ENCRYPTION_KEY',
        'it does not open the signing keys stored in the database: start with the key this database was created with',
      );
    }
  }

  async #load(): Promise<void> {
    const rows = await this.#db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
      .execute();
    const keys = new Map<string, Loaded>();
    let current: Loaded | undefined;
    for (const row of rows) {
      const alg = row.alg as SigningAlgorithm;
      const jwk = row.public_jwk as unknown as JWK;
      const pem = createPublicKey({ key: row.public_jwk as unknown as JsonWebKey, format: 'jwk' })
        .export({ format: 'pem', type: 'spki' })
        .toString();
      const loaded: Loaded = {
        kid: row.kid,
        alg,
        status: row.status,
        jwk,
        info: {
          kid: row.kid,
          alg,
          status: row.status,
          created_at: row.created_at.toISOString(),
          activated_at: row.activated_at?.toISOString() ?? null,
          expires_at: row.expires_at?.toISOString() ?? null,
        },
        // fast-jwt caches verified tokens until they expire: repeated introspection is cheap.
        verify: createVerifier({ key: pem, algorithms: [alg], cache: 10_000, allowedIss: this.#options.issuer }) as Verify,
        verifySignature: createVerifier({ key: pem, algorithms: [alg], allowedIss: this.#options.issuer, ignoreExpiration: true }) as Verify,
      };
      keys.set(row.kid, loaded);
      if (row.status === 'current') {
        current = loaded;
        if (!this.#signers.has(`${row.kid}:at+jwt`)) {
          const privatePem = this.#openPrivateKey(row.private_key);
          for (const typ of ['at+jwt', 'JWT']) {
            this.#signers.set(`${row.kid}:${typ}`, createSigner({ key: privatePem, algorithm: alg, kid: row.kid, header: { alg, typ } }));
          }
          const privateKey = createPrivateKey(privatePem);
          this.#accessTokenSigners.set(row.kid, createAsyncSigner(privateKey, alg, { typ: 'at+jwt', kid: row.kid }));
          this.#idTokenSigners.set(row.kid, createAsyncSigner(privateKey, alg, { typ: 'JWT', kid: row.kid }));
        }
      }
    }
    if (!current) throw new Error('no current signing key: run migrations and start the server once');
    for (const name of this.#signers.keys()) if (!name.startsWith(`${current.kid}:`)) this.#signers.delete(name);
    for (const kid of this.#accessTokenSigners.keys()) if (kid !== current.kid) this.#accessTokenSigners.delete(kid);
    for (const kid of this.#idTokenSigners.keys()) if (kid !== current.kid) this.#idTokenSigners.delete(kid);
    this.#keys = keys;
    this.#current = current;
    const order = { next: 0, current: 1, previous: 2 };
    this.#jwks = JSON.stringify({ keys: [...keys.values()].sort((a, b) => order[a.status] - order[b.status]).map((k) => k.jwk) });
  }

  /** Sign claims with the current key. `typ` is `at+jwt` for access tokens (RFC 9068 §2.1). */
  sign(claims: Record<string, unknown>, typ: 'at+jwt' | 'JWT' = 'at+jwt'): string {
    const kid = this.#current!.kid;
    return this.#signers.get(`${kid}:${typ}`)!(claims);
  }

  /**
   * Sign an access token (typ at+jwt) with the current key, off the event loop: the token
   * endpoint's hot path. Same output as sign(claims).
   */
  signAccessToken(claims: Record<string, unknown>): Promise<string> {
    return this.#accessTokenSigners.get(this.#current!.kid)!(claims);
  }

  /** Sign an OpenID Connect ID Token (typ JWT) with the current key, off the event loop like access tokens. */
  signIdToken(claims: Record<string, unknown>): Promise<string> {
    return this.#idTokenSigners.get(this.#current!.kid)!(claims);
  }

  /** Verify a JWT issued here: signature by a published key, issuer, expiry. Throws on failure. */
  verify(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
    const header = decodeHeader(token);
    const key = typeof header.kid === 'string' ? this.#keys.get(header.kid) : undefined;
    if (!key || header.alg !== key.alg) throw new Error('unknown signing key');
    return { header, claims: key.verify(token) };
  }

  /**
   * A JWT issued here whose signature, key and issuer check out, expired or not: RP-Initiated
   * Logout 1.0 §2 asks that an expired ID Token still be accepted as id_token_hint. Throws.
   */
  verifyIgnoringExpiry(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
    const header = decodeHeader(token);
    const key = typeof header.kid === 'string' ? this.#keys.get(header.kid) : undefined;
    if (!key || header.alg !== key.alg) throw new Error('unknown signing key');
    return { header, claims: key.verifySignature(token) };
  }

  /** The algorithm of the current key: what new tokens are signed with. */
  get algorithm(): SigningAlgorithm {
    return this.#current!.alg;
  }

  /** The algorithms of the keys the JWKS publishes (RFC 8414 §2: advertise only what exists). */
  get algorithms(): SigningAlgorithm[] {
    return [...new Set([...this.#keys.values()].map((k) => k.alg))];
  }

  get jwks(): string {
    return this.#jwks;
  }

  list(): PublicKeyInfo[] {
    return [...this.#keys.values()].map((k) => k.info);
  }

  /** next becomes current, current becomes previous (verifiable until its tokens expire), a new next is made. */
  async rotate(): Promise<PublicKeyInfo[]> {
    const keepFor = await this.#options.maxTokenLifetime();
    await this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(727001)`.execute(trx);
      const now = new Date();
      await trx.deleteFrom('signing_keys').where('status', '=', 'previous').where('expires_at', '<=', now).execute();
      await trx
        .updateTable('signing_keys')
        .set({ status: 'previous', expires_at: new Date(now.getTime() + (keepFor + 60) * 1000) })
        .where('status', '=', 'current')
        .execute();
      await trx.updateTable('signing_keys').set({ status: 'current', activated_at: now }).where('status', '=', 'next').execute();
      await this.#insert(trx, 'next');
      await signal(trx, 'keys');
    });
    await this.reload();
    return this.list();
  }
}
