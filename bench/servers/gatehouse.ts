// Gatehouse for the OAuth benchmarks: built through the composition root, one confidential
// client for client_credentials, and one token issued up front for introspection.
// Environment: BENCH_DATABASE_URL (PostgreSQL; embedded PGlite in memory when unset).
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
const gatehouse = await buildApp(loadConfig({
  GATEHOUSE_DATA_DIR: dataDir,
  GATEHOUSE_ADMIN_TOKEN: 'bench-admin-token-0123456789',
  GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  LOG_LEVEL: 'warn',
  // The limiter stays in the path; its ceiling is set above what the run can reach.
  GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT: '10000000',
  GATEHOUSE_TOKEN_RATE_LIMIT_IP: '10000000',
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
}));
const { app, services } = gatehouse;
const { client, secret } = await services.clients.create({ name: 'bench', grant_types: ['client_credentials'], scopes: ['read', 'write'] });
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
const url = `http://127.0.0.1:${port}`;

const authorization = `Basic ${Buffer.from(`${client.id}:${secret}`).toString('base64')}`;
const issued = await fetch(`${url}/oauth/token`, {
  method: 'POST',
  headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials&scope=read',
});
const { access_token: token } = (await issued.json()) as { access_token: string };

process.stdout.write(JSON.stringify({ url, clientId: client.id, clientSecret: secret, token }) + '\n');
const stop = () => void gatehouse.close().then(() => process.exit(0), () => process.exit(1));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
