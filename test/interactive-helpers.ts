// Support for the interactive OAuth tests: an organization whose owner has a password, a
// cookie-keeping browser over app.inject(), PKCE pairs, and the authorization dance.
import { createHash, randomBytes } from 'node:crypto';
import type { Gatehouse } from '../src/app.ts';
import { createClient } from './helpers.ts';
import { createOrganization, createVendor, organizationData } from './oem-helpers.ts';

export const PASSWORD = 'correct horse battery staple';

export interface Tenant {
  organizationId: string;
  userId: string;
  email: string;
  password: string;
}

/** A vendor's organization whose owner has a password. */
export async function tenant(g: Gatehouse, vendorName = 'Acme Backup'): Promise<Tenant> {
  const vendor = await createVendor(g, vendorName);
  const data = organizationData();
  const org = await createOrganization(g, vendor, data);
  const owner = (await g.services.organizations.users(org.organizationId))[0];
  await g.services.accounts.setPassword(owner.id, PASSWORD);
  return { organizationId: org.organizationId, userId: owner.id, email: data.email as string, password: PASSWORD };
}

/** A client for the code flow (confidential unless type says otherwise). */
export async function codeClient(g: Gatehouse, body: Record<string, unknown> = {}) {
  return createClient(g, {
    name: 'Partner App',
    grant_types: ['authorization_code', 'refresh_token'],
    scopes: ['read', 'write'],
    redirect_uris: ['https://app.example/cb'],
    ...body,
  });
}

export function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no csrf field in page: ${html.slice(0, 300)}`);
  return match[1];
}

type Reply = Awaited<ReturnType<Gatehouse['app']['inject']>>;

/** A browser over inject(): keeps cookies, follows nothing by itself. */
export class Browser {
  readonly g: Gatehouse;
  readonly cookies = new Map<string, string>();
  ip: string;

  constructor(g: Gatehouse, ip = '127.0.0.1') {
    this.g = g;
    this.ip = ip;
  }

  #keep(res: Reply) {
    const raw = res.headers['set-cookie'];
    for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get cookie() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string) {
    return this.#keep(await this.g.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: { cookie: this.cookie } }));
  }

  async post(url: string, form: Record<string, string>) {
    return this.#keep(
      await this.g.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.ip,
        headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(form).toString(),
      }),
    );
  }

  async login(email: string, password: string, returnTo?: string) {
    const page = await this.get(`/login${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`);
    return this.post('/login', { email, password, csrf: csrfOf(page.body), ...(returnTo ? { return_to: returnTo } : {}) });
  }
}

export function authorizeUrl(params: Record<string, string | undefined>): string {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return `/oauth/authorize?${query.toString()}`;
}

/** Authorize as a signed-in browser; consents when asked. Returns the final redirect URL. */
export async function authorize(browser: Browser, params: Record<string, string | undefined>, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  let res = await browser.get(authorizeUrl(params));
  if (res.statusCode === 200 && res.body.includes('/oauth/authorize/decision')) {
    const hidden = Object.fromEntries([...res.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], decode(m[2])]));
    res = await browser.post('/oauth/authorize/decision', { ...hidden, decision });
  }
  if (res.statusCode !== 303) throw new Error(`authorize answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
  return new URL(res.headers.location as string);
}

function decode(value: string): string {
  return value.replace(/&#(\d+);/g, (_m, n) => String.fromCharCode(Number(n)));
}

/** A signed-in browser, and a code for `client` (PKCE S256). */
export async function codeFor(g: Gatehouse, t: Tenant, client: { client_id: string }, extra: Record<string, string> = {}) {
  const browser = new Browser(g);
  const signedIn = await browser.login(t.email, t.password);
  if (signedIn.statusCode !== 303) throw new Error(`login failed: ${signedIn.statusCode}`);
  const { verifier, challenge } = pkce();
  const url = await authorize(browser, {
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: 'https://app.example/cb',
    state: 'st-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  const code = url.searchParams.get('code');
  if (!code) throw new Error(`no code: ${url.href}`);
  return { browser, code, verifier, url };
}
