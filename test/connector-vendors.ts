// Support for the connector tests: a small vendor application with quirks chosen per test (token
// endpoint, authorize endpoint that approves at once, revocation endpoint, a protected API that
// echoes what it received), connectors and organizations through the admin API, and the
// browser side of connecting.
import http from 'node:http';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Gatehouse } from '../src/app.ts';
import { admin } from './helpers.ts';
import { createOrganization, createVendor } from './oem-helpers.ts';

export const LOOPBACK = { GATEHOUSE_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8' };

export interface TokenCall {
  path: string;
  headers: http.IncomingHttpHeaders;
  raw: string;
  params: Record<string, string>; // from the form or JSON body
}

export interface Answer {
  status?: number;
  body: unknown; // an object is sent as JSON (or form, with `form`)
  form?: boolean;
  delayMs?: number;
}

/** Where the protected API looks for the token. */
export type Placement = { in: 'header'; name: string; prefix: string } | { in: 'query'; name: string };

export interface QuirkyVendor {
  url: string;
  tokenCalls: TokenCall[];
  revokeCalls: TokenCall[];
  /** Tokens the API accepts. Issued by `issue`, or added by a test. */
  valid: Set<string>;
  placement: Placement;
  /** Answers token requests; the default issues a fresh token valid for an hour. */
  onToken: (call: TokenCall, vendor: QuirkyVendor) => Answer;
  /** What /authorize does: approve (redirect with a code) or answer an error. */
  authorizeError: string | undefined;
  authorizeQueries: URLSearchParams[];
  /** Extra handling of API calls (status, headers, body); the default echoes. */
  onApi: ((req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => boolean) | undefined;
  issue(): string;
  close(): Promise<void>;
}

function parseBody(raw: string, type: string | undefined): Record<string, string> {
  if ((type ?? '').includes('json')) return JSON.parse(raw || '{}');
  return Object.fromEntries(new URLSearchParams(raw));
}

function tokenOf(req: http.IncomingMessage, url: URL, placement: Placement): string | undefined {
  if (placement.in === 'query') return url.searchParams.get(placement.name) ?? undefined;
  const value = req.headers[placement.name.toLowerCase()];
  if (typeof value !== 'string') return undefined;
  const prefix = placement.prefix ? `${placement.prefix} ` : '';
  return value.startsWith(prefix) ? value.slice(prefix.length) : undefined;
}

export async function startVendor(options: Partial<Pick<QuirkyVendor, 'placement' | 'onToken'>> = {}): Promise<QuirkyVendor> {
  let issued = 0;
  const sockets = new Set<import('node:net').Socket>();
  const vendor: QuirkyVendor = {
    url: '',
    tokenCalls: [],
    revokeCalls: [],
    valid: new Set(),
    authorizeQueries: [],
    authorizeError: undefined,
    onApi: undefined,
    placement: options.placement ?? { in: 'header', name: 'authorization', prefix: 'Bearer' },
    onToken:
      options.onToken ??
      ((_call, v) => ({ body: { access_token: v.issue(), token_type: 'Bearer', expires_in: 3600, refresh_token: `rt-${randomBytes(6).toString('hex')}` } })),
    issue() {
      const token = `at-${++issued}-${randomBytes(6).toString('hex')}`;
      vendor.valid.add(token);
      return token;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', vendor.url);
    if (url.pathname === '/authorize') {
      vendor.authorizeQueries.push(url.searchParams);
      const back = new URL(url.searchParams.get('redirect_uri') ?? 'http://invalid/');
      if (vendor.authorizeError) back.searchParams.set('error', vendor.authorizeError);
      else back.searchParams.set('code', `code-${randomBytes(6).toString('hex')}`);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === '/token' || url.pathname === '/refresh' || url.pathname === '/revoke') {
      const call: TokenCall = {
        path: url.pathname,
        headers: req.headers,
        raw: body.toString(),
        params: parseBody(body.toString(), req.headers['content-type']),
      };
      if (url.pathname === '/revoke') {
        vendor.revokeCalls.push(call);
        vendor.valid.delete(call.params.token);
        res.writeHead(200).end();
        return;
      }
      vendor.tokenCalls.push(call);
      const answer = vendor.onToken(call, vendor);
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      const form = answer.form === true;
      const text =
        typeof answer.body === 'string'
          ? answer.body
          : form
            ? new URLSearchParams(answer.body as Record<string, string>).toString()
            : JSON.stringify(answer.body);
      res.writeHead(answer.status ?? 200, { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' }).end(text);
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (vendor.onApi?.(req, res, body)) return;
      const token = tokenOf(req, url, vendor.placement);
      if (!token || !vendor.valid.has(token)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' }).end('{"error":"invalid_token"}');
        return;
      }
      const query = Object.fromEntries([...url.searchParams].filter(([k]) => vendor.placement.in !== 'query' || k !== vendor.placement.name));
      const headers = { ...req.headers };
      if (vendor.placement.in === 'header') delete headers[vendor.placement.name.toLowerCase()];
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-vendor': 'yes',
        'set-cookie': 'vendor=1; Path=/',
        connection: 'x-hop, keep-alive',
        'x-hop': 'drop me',
      });
      res.end(JSON.stringify({ method: req.method, path: url.pathname, query, headers, body: body.toString(), grant: Number(token.split('-')[1]) }));
      return;
    }
    res.writeHead(404).end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  vendor.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return vendor;
}

/** A connector definition pointing at `vendor`, with overrides. */
export function definition(vendor: { url: string }, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Quirky',
    grantType: 'client_credentials',
    tokenUrl: `${vendor.url}/token`,
    clientId: 'gatehouse-client',
    clientSecret: 'vendor secret: ä+&=',
    apiBaseUrl: `${vendor.url}/api`,
    ...overrides,
  };
}

export async function createConnector(g: Gatehouse, body: Record<string, unknown>): Promise<string> {
  const res = await g.app.inject({ method: 'POST', url: '/admin/api/v1/connectors', headers: admin, payload: body });
  if (res.statusCode !== 201) throw new Error(`connector create failed: ${res.statusCode} ${res.body}`);
  return res.json().connector_id;
}

export async function connectClientCredentials(g: Gatehouse, connectorId: string, organizationId: string) {
  const res = await g.app.inject({
    method: 'POST',
    url: '/admin/api/v1/connections',
    headers: admin,
    payload: { connector_id: connectorId, organization_id: organizationId },
  });
  if (res.statusCode !== 201) throw new Error(`connection create failed: ${res.statusCode} ${res.body}`);
  return res.json() as { connection_id: string; status: string; expires_at: string | null };
}

/** A vendor and one of its organizations. */
export async function organization(g: Gatehouse) {
  const vendor = await createVendor(g, `Vendor ${randomBytes(3).toString('hex')}`);
  const { organizationId } = await createOrganization(g, vendor);
  return { vendor, organizationId };
}

export async function connectLink(g: Gatehouse, connectorId: string, organizationId: string): Promise<string> {
  const res = await g.app.inject({
    method: 'POST',
    url: `/admin/api/v1/connectors/${connectorId}/connect-links`,
    headers: admin,
    payload: { organization_id: organizationId },
  });
  if (res.statusCode !== 201) throw new Error(`connect link failed: ${res.statusCode} ${res.body}`);
  return res.json().url;
}

/** Gatehouse-relative path of an absolute Gatehouse URL. */
export function local(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

/** The binding cookie a connect answer set, as a Cookie header value. */
export function bindingCookie(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  const line = (Array.isArray(raw) ? raw : [raw]).find((l) => typeof l === 'string' && l.startsWith('gh_connect=')) as string | undefined;
  if (!line) throw new Error('no binding cookie');
  return line.split(';')[0];
}

export async function proxy(
  g: Gatehouse,
  connectionId: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; payload?: string } = {},
) {
  return g.app.inject({
    method: (init.method ?? 'GET') as 'GET',
    url: `/api/connections/${connectionId}/proxy${path}`,
    headers: { ...admin, ...init.headers },
    payload: init.payload,
  });
}

export async function waitUntil(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
