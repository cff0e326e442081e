// The vendor API the proxy benchmark calls: a plain Node HTTP server with a token endpoint
// (client_credentials, one fixed token) and GET /api/items answering a small JSON body to that
// Bearer token. Prints one JSON line: {url, token}.
import http from 'node:http';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';

const token = randomBytes(24).toString('base64url');
const items = JSON.stringify({
  items: [
    { id: 1, name: 'first' },
    { id: 2, name: 'second' },
  ],
  next: null,
});

const server = http.createServer((req, res) => {
  if (req.url === '/token' && req.method === 'POST') {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 86400 }));
    return;
  }
  if (req.url?.startsWith('/api/items')) {
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(items) }).end(items);
    return;
  }
  res.writeHead(404).end();
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, token }) + '\n');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
