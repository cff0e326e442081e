// The proxy's peer: a bare Fastify route that does the essential work of a credential-injecting
// proxy and nothing else. It parses the request, looks nothing up, drops the caller's hop-by-hop
// headers and Authorization, puts the one upstream token in their place, and sends the call through
// one undici Pool, streaming the request body up and the answer back (undici's `stream` writes
// into the reply as the bytes come). No authentication, no database, no vetting, no logging.
// Fastify, as Gatehouse and the token floor (bench/servers/floor.ts) use: the ratio then measures
// what the proxy does, not the choice of HTTP framework.
// BENCH_UPSTREAM_URL and BENCH_UPSTREAM_TOKEN name the upstream. Prints one JSON line: {url}.
import type { IncomingHttpHeaders } from 'node:http';
import Fastify from 'fastify';
import { Pool } from 'undici';

const upstream = process.env.BENCH_UPSTREAM_URL as string;
const authorization = `Bearer ${process.env.BENCH_UPSTREAM_TOKEN}`;
const pool = new Pool(upstream, { keepAliveTimeout: 4000 });

// Hop-by-hop headers (RFC 9110 §7.6.1) stay on their own connection, in both directions.
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate'];
const REQUEST_DROP = new Set([...HOP_BY_HOP, 'host', 'authorization']);
const RESPONSE_DROP = new Set(HOP_BY_HOP);

function pass(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>, drop: ReadonlySet<string>, out: Record<string, string | string[]>) {
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !drop.has(name)) out[name] = value;
  }
  return out;
}

const app = Fastify({ logger: false });
// Bodies stay bytes: the raw request stream goes to the upstream as it arrives.
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
app.all('/proxy/*', (request, reply) => {
  const raw = request.raw.url as string;
  reply.hijack();
  const res = reply.raw;
  pool
    .stream(
      {
        path: `/api${raw.slice(raw.indexOf('/proxy/') + '/proxy'.length)}`,
        method: request.method as 'GET',
        headers: pass(request.headers, REQUEST_DROP, { authorization }),
        body: request.body === undefined ? undefined : (request.raw as NodeJS.ReadableStream as never),
      },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, pass(headers, RESPONSE_DROP, {}));
        return res;
      },
    )
    .catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
});
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}` }) + '\n');
process.once('SIGTERM', () => void Promise.all([app.close(), pool.close()]).then(() => process.exit(0)));
