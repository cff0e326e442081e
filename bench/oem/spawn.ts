// Start bench/oem/server.ts in a child process and wait for its JSON line.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

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
  const child: ChildProcess = spawn(process.execPath, [SERVER], {
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => { throw new Error(`bench server exited with ${code}`); }),
  ])) as [string];
  const info = JSON.parse(first);
  return {
    ...info,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
