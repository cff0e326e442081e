// `gatehouse start` and `gatehouse migrate`: the only commands that open the database.
import { buildApp } from '../app.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { exitOnFatal, flushLogger } from '../logger.ts';
import { openStorage } from '../db/index.ts';
import { migrate } from '../db/migrate.ts';

function config() {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`gatehouse: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Settings only the data dir or the database can refute (a damaged key file, a dir in use, a
 * database that does not answer) stop the command the same way: one line, no stack trace.
 */
function refused(error: unknown): number {
  if (!(error instanceof ConfigError)) throw error;
  const what = error.variable === 'DATABASE_URL' ? 'cannot start' : 'invalid configuration';
  process.stderr.write(`gatehouse: ${what}: ${error.message}\n`);
  return 1;
}

export async function start(): Promise<number> {
  const cfg = config();
  let gatehouse;
  try {
    gatehouse = await buildApp(cfg);
  } catch (error) {
    return refused(error);
  }
  const { app, bootstrapAdminToken } = gatehouse;
  exitOnFatal(gatehouse.services.log);
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal: sig }, 'shutting down');
    // Finish requests in flight, flush audit events, close the database, then exit; a close that
    // hangs (a request that never ends, a database that stopped answering) cannot keep it alive.
    const deadline = setTimeout(() => {
      app.log.error({ deadlineMs: cfg.shutdownTimeoutMs }, 'shutdown did not finish by its deadline; exiting anyway');
      flushLogger(gatehouse.services.log);
      process.exit(1);
    }, cfg.shutdownTimeoutMs);
    deadline.unref();
    gatehouse.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  // `on`, not `once`: a Ctrl-C in a terminal reaches this process and also the command's shim,
  // which forwards it, so a second signal must not end the process halfway through closing.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // Printed before listening: the token's hash is stored already, so a start that cannot listen
  // must still hand it over, or the next start (which mints none) leaves the operator locked out.
  if (bootstrapAdminToken) {
    process.stdout.write(
      [
        '',
        'No admin token was configured, so Gatehouse created one. It is shown only this once:',
        '',
        `    export GATEHOUSE_ADMIN_TOKEN=${bootstrapAdminToken}`,
        '',
        'Use it as "Authorization: Bearer <token>" on /admin/api/v1, or export it for the gatehouse CLI.',
        '',
      ].join('\n'),
    );
  }
  try {
    await app.listen({ port: cfg.port, host: cfg.host });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    process.stderr.write(`gatehouse: cannot listen on ${cfg.host}:${cfg.port} (${reason}): check PORT and HOST\n`);
    await gatehouse.close().catch(() => {});
    return 1;
  }
  process.stdout.write(`Gatehouse is listening on ${cfg.publicUrl} (issuer), database: ${gatehouse.services.storage.kind}\n`);
  return new Promise<number>(() => {}); // runs until a signal stops it
}

export async function migrateCommand(): Promise<number> {
  const cfg = config();
  let storage;
  try {
    storage = await openStorage({
      databaseUrl: cfg.databaseUrl,
      dataDir: cfg.dataDir,
      waitSeconds: cfg.dbWaitSeconds,
      sharedBuffersMb: cfg.pgliteSharedBuffersMb,
    });
  } catch (error) {
    return refused(error);
  }
  try {
    const applied = await migrate(storage.db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    return 0;
  } finally {
    await storage.close();
  }
}
