// Benchmark servers run in child processes, so the load generator never shares their event
// loop. A server script prints one JSON line describing itself once it listens.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface Child<T> {
  info: T;
  stop(): Promise<void>;
}

export async function startChild<T>(script: string, env: Record<string, string> = {}): Promise<Child<T>> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => { throw new Error(`${script} exited with ${code} before it was ready`); }),
  ])) as [string];
  lines.on('line', () => {}); // keep draining anything else it prints
  return {
    info: JSON.parse(first) as T,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const exited = once(child, 'exit');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Run work against a child server and stop the child afterwards, whatever happens. */
export async function withChild<T, R>(script: string, env: Record<string, string>, work: (info: T) => Promise<R>): Promise<R> {
  const child = await startChild<T>(script, env);
  try {
    return await work(child.info);
  } finally {
    await child.stop();
  }
}
