// A throwaway PostgreSQL database for one benchmark case. The server comes from
// BENCH_POSTGRES_URL, or the local default when that answers; with neither, the work is skipped
// and undefined is returned.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const LOCAL = 'postgres://postgres@127.0.0.1:5432/test';

async function run(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

let available: Promise<string | undefined> | undefined;

/** The maintenance URL to create databases from, or undefined when no server answers. */
function postgresBase(): Promise<string | undefined> {
  available ??= (async () => {
    const base = process.env.BENCH_POSTGRES_URL || LOCAL;
    try {
      await run(base, 'select 1');
      return base;
    } catch {
      return undefined;
    }
  })();
  return available;
}

export async function withPostgres<T>(work: (url: string) => Promise<T>): Promise<T | undefined> {
  const base = await postgresBase();
  if (!base) return undefined;
  const name = `gh_bench_${randomBytes(6).toString('hex')}`;
  await run(base, `create database ${name}`);
  try {
    const url = new URL(base);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await run(base, `drop database if exists ${name} with (force)`);
  }
}
