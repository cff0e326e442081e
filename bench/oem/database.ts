// A throwaway PostgreSQL database for one benchmark run, from BENCH_POSTGRES_URL (a database
// the runner may create databases from). Undefined when it is not set.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export async function withPostgres<T>(work: (url: string) => Promise<T>): Promise<T | undefined> {
  const base = process.env.BENCH_POSTGRES_URL;
  if (!base) return undefined;
  const name = `gh_bench_${randomBytes(6).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`create database ${name}`);
  try {
    const url = new URL(base);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await run(`drop database if exists ${name} with (force)`);
  }
}
