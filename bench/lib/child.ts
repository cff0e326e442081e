// Benchmark servers run in child processes, so the load generator never shares their event
// loop. A server script prints one JSON line describing itself once it listens.
// BENCH_CPU_PROF_DIR: run each server under `node --cpu-prof`, its profile written there on exit.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface Child<T> {
  info: T;
  /** The server's process id (its resident memory is read from /proc). */
  pid: number;
  stop(): Promise<void>;
}

export async function startChild<T>(script: string, env: Record<string, string> = {}): Promise<Child<T>> {
  const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  // Servers run at their default log level, so log lines (JSON with a numeric level) may come
  // before the description; the first other JSON line is it.
  const info = await new Promise<T>((resolve, reject) => {
    const onLine = (line: string) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        return;
      }
      if (typeof (value as { level?: unknown })?.level === 'number') return;
      lines.off('line', onLine);
      child.off('exit', onExit);
      // Keep draining what it prints (its request log, at the default level) as raw bytes, as a
      // log collector on a pipe would, without splitting lines on the load generator's cores.
      lines.close();
      child.stdout!.on('data', () => {});
      child.stdout!.resume();
      resolve(value as T);
    };
    const onExit = (code: number | null) => reject(new Error(`${script} exited with ${code} before it was ready`));
    lines.on('line', onLine);
    child.once('exit', onExit);
  });
  return {
    info,
    pid: child.pid!,
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
