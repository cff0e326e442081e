// Loopback mock vendors for the non-OAuth auth modes, each in the style of an MSP tool and each
// accepting only its own style: anything else gets a 401 (whose body quotes what it was sent, so
// a test can check that Gatehouse blanks credentials out of the excerpt it shows). Every request
// is recorded, so a test can also check that none carried a literal `${`.
import http from 'node:http';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface MockVendor {
  url: string;
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

/** What a mock answers: a status, a body sent as JSON, and headers of its own. */
type MockAnswer = [number, unknown] | [number, unknown, Record<string, string>];

/** `handle` answers [status, body, headers?] for a request, or undefined for "not mine": a 401 quoting it. */
export async function startMock(handle: (req: Seen) => MockAnswer | undefined | Promise<MockAnswer | undefined>): Promise<MockVendor> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const request: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      const answer = (await handle(request)) ?? [401, { message: `not accepted: ${request.headers.authorization ?? 'no authorization'} ${req.url}` }];
      res.writeHead(answer[0], { 'content-type': 'application/json', ...answer[2] });
      res.end(JSON.stringify(answer[1]));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * N-central style: POST /api/auth/authenticate with `Authorization: Bearer <user JWT>` answers
 * {tokens: {access: {token, expirySeconds}}}; the API takes `Authorization: Bearer <access token>`.
 */
export interface TokenExchangeVendor extends MockVendor {
  jwt: string;
  valid: Set<string>;
  exchanges: number;
  expirySeconds: number;
  delayMs: number;
}

export async function startTokenExchangeVendor(): Promise<TokenExchangeVendor> {
  const state = { jwt: `jwt-${randomBytes(12).toString('hex')}`, valid: new Set<string>(), exchanges: 0, expirySeconds: 3600, delayMs: 0 };
  const mock = await startMock(async (req) => {
    if (req.method === 'POST' && req.url === '/api/auth/authenticate') {
      if (req.headers.authorization !== `Bearer ${state.jwt}`) return [401, { status: 401, message: `invalid token ${req.headers.authorization}` }];
      state.exchanges++;
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      const token = `nc-${state.exchanges}-${randomBytes(8).toString('hex')}`;
      state.valid.add(token);
      return [200, { tokens: { access: { token, type: 'Bearer', expirySeconds: state.expirySeconds }, refresh: { token: 'unused' } } }];
    }
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    if (req.url.startsWith('/api/') && bearer && state.valid.has(bearer)) return [200, { data: req.url }];
    return undefined;
  });
  return Object.assign(state, mock);
}
