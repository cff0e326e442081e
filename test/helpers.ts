// Test support: build Gatehouse through the composition root on an in-memory PGlite, or on a
// throwaway PostgreSQL database when TEST_DATABASE_URL is set.
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pg from 'pg';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { loadConfig, type LogLevel } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64');
export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/** A fresh, empty database for one test (PostgreSQL), or undefined on PGlite. Dropped by the returned cleanup. */
export async function createTestDatabase(): Promise<{ url: string | undefined; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return { url: undefined, drop: async () => {} };
  const name = `gh_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface TestGatehouse extends Gatehouse {
  /** Close the app and drop its database. */
  stop(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}, databaseUrl?: string) {
  return loadConfig({
    GATEHOUSE_DATA_DIR: 'memory://',
    GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN,
    GATEHOUSE_ENCRYPTION_KEY: ENCRYPTION_KEY,
    GATEHOUSE_PUBLIC_URL: 'http://gatehouse.test',
    LOG_LEVEL: 'silent',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
}

/** Build one Gatehouse on its own fresh database. */
export async function startGatehouse(env: Record<string, string> = {}): Promise<TestGatehouse> {
  const database = await createTestDatabase();
  const gatehouse = await buildApp(testConfig(env, database.url));
  await gatehouse.app.ready();
  return {
    ...gatehouse,
    async stop() {
      await gatehouse.close();
      await database.drop();
    },
  };
}

export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s);
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

/** Create a client through the admin API; returns its id and secret. */
export async function createClient(
  g: Gatehouse,
  body: Record<string, unknown> = {},
): Promise<{ client_id: string; client_secret: string; [k: string]: unknown }> {
  const res = await g.app.inject({
    method: 'POST',
    url: '/admin/api/v1/clients',
    headers: admin,
    payload: { name: 'test client', grant_types: ['client_credentials'], scopes: ['read', 'write'], ...body },
  });
  if (res.statusCode !== 201) throw new Error(`client create failed: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** A loopback port free right now, for a server whose public URL must be known before it listens. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The app's logger at `level`, writing into memory for a test to read: `text()` so far, `clear()` to start again. */
export function logCapture(level: LogLevel) {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger(level, stream),
    text: () => text,
    clear: () => void (text = ''),
    /** Each line written, parsed. */
    lines: (): Record<string, unknown>[] =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
  };
}
