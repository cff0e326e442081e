// OAuth clients: storage, the in-memory cache the token endpoint reads, and secret handling.
// A change on any instance signals the others, which drop their cached copy.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { randomToken, sha256, safeEqual } from '../crypto.ts';
import { RESYNC, signal, type Storage } from '../db/index.ts';
import { LoadingCache } from '../db/cache.ts';
import { foreignKeyViolation } from '../db/errors.ts';
import type { ClientsTable, Database } from '../db/schema.ts';
import { errors } from '../errors.ts';
import { checkRedirectUri } from './redirect-uris.ts';

export type Client = Selectable<ClientsTable>;

const GRANT_TYPES = ['client_credentials', 'authorization_code', 'refresh_token', 'implicit'] as const;

export interface ClientInput {
  name: string;
  type?: 'confidential' | 'public';
  grant_types?: string[];
  scopes?: string[];
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  token_format?: 'jwt' | 'opaque';
  access_token_ttl?: number | null;
  allow_implicit?: boolean;
  tenant_scope?: boolean;
  skip_consent?: boolean;
  launch_url?: string | null;
  introspect?: boolean;
}

/** What the admin API shows of a client: everything but the secret hash. */
export function publicView(client: Client) {
  const { secret_hash: _hash, ...rest } = client;
  return { client_id: client.id, ...rest, created_at: client.created_at.toISOString(), updated_at: client.updated_at.toISOString() };
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token

function validate(input: ClientInput, existing?: Client): Omit<ClientsTable, 'id' | 'secret_hash' | 'created_at' | 'updated_at'> {
  const merged = { ...existing, ...input };
  const type = merged.type ?? 'confidential';
  const grants = merged.grant_types ?? ['client_credentials'];
  for (const g of grants) {
    if (!(GRANT_TYPES as readonly string[]).includes(g)) throw errors.InvalidField('grant_types', `unknown grant type "${g}"`);
  }
  if (type === 'public' && grants.includes('client_credentials')) {
    // RFC 6749 §4.4: the client credentials grant MUST only be used by confidential clients.
    throw errors.InvalidField('grant_types', 'a public client cannot use client_credentials');
  }
  const scopes = merged.scopes ?? [];
  for (const s of scopes) {
    if (!SCOPE_TOKEN.test(s)) throw errors.InvalidField('scopes', `"${s}" is not a valid scope token`);
  }
  const redirectUris = merged.redirect_uris ?? [];
  for (const uri of redirectUris) checkRedirectUri(uri);
  const postLogoutUris = merged.post_logout_redirect_uris ?? [];
  for (const uri of postLogoutUris) checkRedirectUri(uri, 'post_logout_redirect_uris');
  // RFC 6749 §3.1.2.2: clients using the implicit grant MUST register their redirection endpoint;
  // without one, every authorization request fails (the token has nowhere to go).
  if ((merged.allow_implicit || grants.includes('implicit')) && redirectUris.length === 0) {
    throw errors.InvalidField('redirect_uris', 'a client using the implicit grant must register a redirect URI');
  }
  const launchUrl = merged.launch_url ?? null;
  if (launchUrl !== null && !/^https?:\/\//.test(launchUrl)) throw errors.InvalidField('launch_url', 'must be an http or https URL');
  // Introspection needs client authentication (RFC 7662 §2.1), which a public client cannot do.
  if (merged.introspect && type === 'public') throw errors.InvalidField('introspect', 'a public client cannot authenticate to the introspection endpoint');
  const name = merged.name?.trim();
  if (!name) throw errors.InvalidField('name', 'must not be empty');
  const tokenFormat = merged.token_format ?? 'jwt';
  // 0 means "never expires", which only an opaque token (revocable in place) can do; a JWT
  // with exp = iat would be refused everywhere the moment it is issued.
  if (merged.access_token_ttl === 0 && tokenFormat === 'jwt') {
    throw errors.InvalidField('access_token_ttl', '0 (never expires) needs token_format "opaque"');
  }
  return {
    name,
    type,
    grant_types: [...new Set(grants)],
    scopes: [...new Set(scopes)],
    redirect_uris: [...new Set(redirectUris)],
    post_logout_redirect_uris: [...new Set(postLogoutUris)],
    token_format: tokenFormat,
    access_token_ttl: merged.access_token_ttl ?? null,
    allow_implicit: merged.allow_implicit ?? false,
    tenant_scope: merged.tenant_scope ?? false,
    skip_consent: merged.skip_consent ?? false,
    launch_url: launchUrl,
    introspect: merged.introspect ?? false,
  };
}

/** `text%` for LIKE, with the pattern's own wildcards escaped (backslash is LIKE's default escape). */
export function likePrefix(text: string): string {
  return `${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The longest access-token lifetime any client has set (0 when none has one of its own). */
export async function longestTokenTtl(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('clients')
    .select((eb) => eb.fn.max('access_token_ttl').as('ttl'))
    .executeTakeFirst();
  return Number(row?.ttl ?? 0);
}

export class Clients {
  #db: Kysely<Database>;
  #cache = new LoadingCache<Client | undefined>({ keep: (c) => c !== undefined });

  constructor(storage: Storage) {
    this.#db = storage.db;
    storage.onSignal((s) => {
      if (s.topic === RESYNC) this.#cache.clear();
      else if (s.topic === 'client' && s.id) this.#cache.delete(s.id);
    });
  }

  /** Cached lookup for the hot path. Unknown ids are not cached, so a new client is seen at once. */
  find(id: string): Promise<Client | undefined> {
    return this.#cache.get(id, () => this.#db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst());
  }

  /** Check a presented secret against the stored SHA-256, in constant time. */
  static checkSecret(client: Client, secret: string): boolean {
    return client.secret_hash !== null && safeEqual(sha256(secret), client.secret_hash);
  }

  async create(input: ClientInput, db: Kysely<Database> = this.#db): Promise<{ client: Client; secret: string | null }> {
    const values = validate(input);
    const secret = values.type === 'confidential' ? randomToken(32) : null;
    const client = await db
      .insertInto('clients')
      .values({
        // Hex, not base64url: one id in 64 would start with "-", which a command line (the CLI's
        // `client get <id>`) reads as an option.
        id: randomBytes(16).toString('hex'),
        secret_hash: secret ? sha256(secret) : null,
        ...values,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { client, secret };
  }

  /** Every scope some client may request, for the metadata's scopes_supported. */
  async allScopes(): Promise<string[]> {
    const rows = await sql<{ scope: string }>`select distinct unnest(scopes) as scope from clients order by 1`.execute(this.#db);
    return rows.rows.map((r) => r.scope);
  }

  /**
   * A page of clients in name order, after the client `after` (keyset on (lower(name), id),
   * read through the clients_name_search index): `search` is an exact client id, or a name prefix.
   */
  async page(options: { after?: string; search?: string; limit: number }): Promise<Client[]> {
    const search = options.search?.trim();
    if (search && /^[0-9a-f]{32}$/i.test(search)) {
      const one = await this.#db.selectFrom('clients').selectAll().where('id', '=', search.toLowerCase()).executeTakeFirst();
      if (one) return options.after ? [] : [one];
    }
    let query = this.#db
      .selectFrom('clients')
      .selectAll()
      .orderBy(sql`lower(name)`)
      .orderBy('id')
      .limit(options.limit);
    if (search) query = query.where(sql<boolean>`lower(name) like ${likePrefix(search)}`);
    if (options.after) {
      query = query.where(sql<boolean>`(lower(name), id) > (select lower(c.name), c.id from clients c where c.id = ${options.after})`);
    }
    return query.execute();
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('clients')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async list(): Promise<Client[]> {
    return this.#db.selectFrom('clients').selectAll().orderBy('created_at').execute();
  }

  async get(id: string): Promise<Client> {
    const client = await this.#db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirst();
    if (!client) throw errors.NotFound('client', id);
    return client;
  }

  async update(id: string, input: Partial<ClientInput>): Promise<Client> {
    return this.#changed(
      id,
      this.#db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('clients').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
        if (!existing) throw errors.NotFound('client', id);
        if (input.type && input.type !== existing.type) throw errors.InvalidField('type', 'cannot change after creation');
        const values = validate(input as ClientInput, existing);
        const client = await trx
          .updateTable('clients')
          .set({ ...values, updated_at: new Date() })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await signal(trx, 'client', id);
        return client;
      }),
    );
  }

  async remove(id: string): Promise<void> {
    await this.#changed(
      id,
      this.#db.transaction().execute(async (trx) => {
        const result = await trx
          .deleteFrom('clients')
          .where('id', '=', id)
          .executeTakeFirst()
          .catch((error) => {
            // A vendor's OAuth client is referenced by the vendor; it goes only with the vendor.
            if (foreignKeyViolation(error)) throw errors.Conflict(`client "${id}" belongs to a vendor and cannot be deleted`);
            throw error;
          });
        if (result.numDeletedRows === 0n) throw errors.NotFound('client', id);
        await signal(trx, 'client', id);
      }),
    );
  }

  async rotateSecret(id: string): Promise<{ client: Client; secret: string }> {
    return this.#changed(
      id,
      this.#db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('clients').select('type').where('id', '=', id).executeTakeFirst();
        if (!existing) throw errors.NotFound('client', id);
        if (existing.type !== 'confidential') throw errors.Invalid('a public client has no secret');
        const secret = randomToken(32);
        const client = await trx
          .updateTable('clients')
          .set({ secret_hash: sha256(secret), updated_at: new Date() })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await signal(trx, 'client', id);
        return { client, secret };
      }),
    );
  }

  /** Drop this instance's cached copy as soon as a change commits (other instances hear the signal). */
  async #changed<T>(id: string, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } finally {
      this.#cache.delete(id);
    }
  }
}
