// Gatehouse for the OAuth benchmarks: built through the composition root, one confidential
// client created through the admin API as an operator would, and one token issued up front
// for introspection. Prints one JSON line: {url, clientId, clientSecret, token}.
// Environment: BENCH_DATABASE_URL (PostgreSQL; embedded PGlite in a temporary directory when unset).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
// The embedded default keeps its data on disk, as `npm start` does.
const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-bench-'));
process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const adminToken = 'bench-admin-token-0123456789';
const gatehouse = await buildApp(loadConfig({
  GATEHOUSE_DATA_DIR: dataDir,
  GATEHOUSE_ADMIN_TOKEN: adminToken,
  GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  LOG_LEVEL: 'warn',
  // The limiter stays in the path; its ceiling is set above what the run can reach.
  GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT: '10000000',
  GATEHOUSE_TOKEN_RATE_LIMIT_IP: '10000000',
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
}));
const { app } = gatehouse;
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
const url = `http://127.0.0.1:${port}`;

const created = await fetch(`${url}/admin/api/v1/clients`, {
  method: 'POST',
  headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'bench', grant_types: ['client_credentials'], scopes: ['read', 'write'] }),
});
if (created.status !== 201) throw new Error(`creating the bench client failed: ${created.status} ${await created.text()}`);
const { client_id: clientId, client_secret: clientSecret } = (await created.json()) as { client_id: string; client_secret: string };

const issued = await fetch(`${url}/oauth/token`, {
  method: 'POST',
  headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials&scope=read',
});
if (issued.status !== 200) throw new Error(`the first token request failed: ${issued.status} ${await issued.text()}`);
const { access_token: token } = (await issued.json()) as { access_token: string };
// The comparison is about ES256 JWTs: refuse to measure anything else.
const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { alg?: string; typ?: string };
if (header.alg !== 'ES256' || header.typ !== 'at+jwt') throw new Error(`expected an ES256 at+jwt access token, got ${JSON.stringify(header)}`);

process.stdout.write(JSON.stringify({ url, clientId, clientSecret, token }) + '\n');
const stop = () => void gatehouse.close().then(() => process.exit(0), () => process.exit(1));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
