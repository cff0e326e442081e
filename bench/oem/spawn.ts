// Start bench/oem/server.ts in a child process.
import { fileURLToPath } from 'node:url';
import { startChild } from '../lib/child.ts';

export interface BenchServer {
  url: string;
  mspcToken: string;
  clientId: string;
  clientSecret: string;
  vendorId: string;
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));

export async function startServer(databaseUrl?: string): Promise<BenchServer> {
  const child = await startChild<Omit<BenchServer, 'stop'>>(SERVER, { BENCH_DATABASE_URL: databaseUrl ?? '' });
  return { ...child.info, stop: () => child.stop() };
}
