// The `gatehouse` command end to end, as an operator uses it: `start` in a child process (the
// admin token printed once), the client and keys commands against it in human and --json output,
// a token fetched with the printed credentials, `migrate`, SIGTERM, configuration errors, and the
// generated encryption key file's mode.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { once } from 'node:events';
import pg from 'pg';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createTestDatabase, ENCRYPTION_KEY, freePort, onPostgres } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

type Env = Record<string, string | undefined>;
type Result = { code: number | null; stdout: string; stderr: string };

/** The parent's environment without any Gatehouse setting, so each process gets exactly what the test gives it. */
function cleanEnv(extra: Env): Env {
  const env: Env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(GATEHOUSE_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$|TEST_DATABASE_URL$)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

function gatehouse(args: string[], env: Env): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: cleanEnv(env), timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Running {
  child: ChildProcess;
  url: string;
  port: number;
  output: () => string;
  adminToken: string | undefined;
}

/** `gatehouse start`, resolved once it prints that it is listening. */
async function start(env: Env): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN, 'start'], {
    env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`start timed out:\n${out}`)), 60_000);
    const check = () => {
      if (/Gatehouse is listening on/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`start exited with ${code}:\n${out}`));
    });
  });
  const adminToken = /export GATEHOUSE_ADMIN_TOKEN=(\S+)/.exec(out)?.[1];
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => out, adminToken };
}

/** SIGTERM; resolves with the exit code and how long it took. */
async function stop(running: Running): Promise<{ code: number | null; ms: number }> {
  const began = Date.now();
  if (running.child.exitCode !== null) return { code: running.child.exitCode, ms: 0 };
  const exited = new Promise<number | null>((resolve) => running.child.once('exit', (code) => resolve(code)));
  running.child.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000))]);
  if (code === null) running.child.kill('SIGKILL');
  return { code, ms: Date.now() - began };
}

/** Where the embedded database lives, or the PostgreSQL settings when the suite runs there. */
async function storageEnv(): Promise<{ env: Env; dataDir: string; cleanup: () => Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-cli-'));
  const database = await createTestDatabase();
  const env: Env = database.url
    ? { DATABASE_URL: database.url, GATEHOUSE_ENCRYPTION_KEY: ENCRYPTION_KEY, GATEHOUSE_DATA_DIR: dataDir }
    : { GATEHOUSE_DATA_DIR: dataDir };
  return {
    env,
    dataDir,
    cleanup: async () => {
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let server: Running;
let storage: Awaited<ReturnType<typeof storageEnv>>;
let cli: (args: string[], extra?: Env) => Promise<Result>;

before(async () => {
  storage = await storageEnv();
  server = await start(storage.env);
  cli = (args, extra = {}) => gatehouse(args, { GATEHOUSE_URL: server.url, GATEHOUSE_ADMIN_TOKEN: server.adminToken, ...extra });
});
after(async () => {
  await stop(server);
  await storage.cleanup();
});

test('first start prints an admin token once, with how to use it', async () => {
  assert.match(server.adminToken ?? '', /^gha_[A-Za-z0-9_-]{40,}$/, server.output());
  assert.match(server.output(), /shown only this once/);
  assert.match(server.output(), /Authorization: Bearer/);
  const res = await fetch(`${server.url}/admin/api/v1/clients`, { headers: { authorization: `Bearer ${server.adminToken}` } });
  assert.equal(res.status, 200);
});

test('client create --json prints the credentials, and they get a token over HTTP', async () => {
  const created = await cli(['client', 'create', '--name', 'Backup sync', '--grant-types', 'client_credentials', '--scopes', 'read write', '--json']);
  assert.equal(created.code, 0, created.stderr);
  const client = JSON.parse(created.stdout);
  assert.equal(typeof client.client_id, 'string');
  assert.equal(typeof client.client_secret, 'string');
  assert.deepEqual(client.scopes, ['read', 'write']);
  assert.deepEqual(client.grant_types, ['client_credentials']);

  const res = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
    },
    body: 'grant_type=client_credentials&scope=read',
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { access_token: string; scope: string };
  assert.equal(body.scope, 'read');
  const jwks = createLocalJWKSet((await (await fetch(`${server.url}/oauth/jwks`)).json()) as { keys: [] });
  const { payload } = await jwtVerify(body.access_token, jwks, { issuer: `http://localhost:${server.port}`, typ: 'at+jwt' });
  assert.equal(payload.client_id, client.client_id);
});

test('client list, get, update, rotate-secret and delete, in human and --json output', async () => {
  const created = await cli([
    'client',
    'create',
    '--name',
    'Partner app',
    '--grant-types',
    'authorization_code refresh_token',
    '--redirect-uri',
    'https://partner.example/cb',
    '--redirect-uri',
    'https://partner.example/cb2',
    '--token-format',
    'opaque',
    '--skip-consent',
  ]);
  assert.equal(created.code, 0, created.stderr);
  const id = /client_id:\s+(\S+)/.exec(created.stdout)?.[1];
  assert.ok(id, created.stdout);
  assert.match(created.stdout, /client_secret:\s+\S+\s+\(shown once/);
  assert.match(created.stdout, /redirect_uris:\s+https:\/\/partner\.example\/cb https:\/\/partner\.example\/cb2/);
  assert.match(created.stdout, /token_format:\s+opaque/);

  const list = await cli(['client', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^CLIENT_ID\s+NAME\s+TYPE\s+GRANTS\s+SCOPES/);
  assert.ok(list.stdout.includes(id) && list.stdout.includes('Partner app'));
  const listJson = JSON.parse((await cli(['client', 'list', '--json'])).stdout);
  assert.ok(listJson.clients.some((x: { client_id: string }) => x.client_id === id));
  assert.ok(!JSON.stringify(listJson).includes('secret'), 'no secret or hash in a listing');

  const got = await cli(['client', 'get', id, '--json']);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(JSON.parse(got.stdout).skip_consent, true);
  assert.equal(JSON.parse(got.stdout).client_secret, undefined);
  const gotHuman = await cli(['client', 'get', id]);
  assert.match(gotHuman.stdout, /name:\s+Partner app/);
  assert.doesNotMatch(gotHuman.stdout, /client_secret/);

  const updated = await cli(['client', 'update', id, '--name', 'Partner app v2', '--scopes', 'apps:read', '--json']);
  assert.equal(updated.code, 0, updated.stderr);
  assert.equal(JSON.parse(updated.stdout).name, 'Partner app v2');
  assert.deepEqual(JSON.parse(updated.stdout).scopes, ['apps:read']);
  assert.deepEqual(JSON.parse(updated.stdout).redirect_uris, ['https://partner.example/cb', 'https://partner.example/cb2'], 'unchanged fields are kept');

  const rotated = await cli(['client', 'rotate-secret', id, '--json']);
  assert.equal(rotated.code, 0, rotated.stderr);
  const secret = JSON.parse(rotated.stdout).client_secret;
  assert.equal(typeof secret, 'string');
  const introspect = await fetch(`${server.url}/oauth/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: 'x', client_id: id, client_secret: secret }),
  });
  assert.equal(introspect.status, 200, 'the rotated secret authenticates');

  const deleted = await cli(['client', 'delete', id]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.stdout.trim(), `deleted client ${id}`);
  const gone = await cli(['client', 'get', id]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /^gatehouse: 404: client ".+" does not exist/);
});

test('keys list and rotate, human and --json', async () => {
  const before = JSON.parse((await cli(['keys', 'list', '--json'])).stdout).keys as { kid: string; status: string }[];
  assert.deepEqual(before.map((k) => k.status).sort(), ['current', 'next']);
  const human = await cli(['keys', 'list']);
  assert.match(human.stdout, /^KID\s+ALG\s+STATUS\s+CREATED\s+EXPIRES/);
  assert.match(human.stdout, /ES256\s+current/);
  const rotated = await cli(['keys', 'rotate']);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, /previous/);
  const after = JSON.parse((await cli(['keys', 'list', '--json'])).stdout).keys as { kid: string; status: string }[];
  assert.equal(after.find((k) => k.status === 'current')!.kid, before.find((k) => k.status === 'next')!.kid);
  const jwks = (await (await fetch(`${server.url}/oauth/jwks`)).json()) as { keys: { kid: string }[] };
  assert.equal(jwks.keys.length, 3);
});

test('errors exit non-zero with a clear message', async () => {
  const cases: [string[], Env, number, RegExp][] = [
    [['client', 'list'], { GATEHOUSE_ADMIN_TOKEN: '' }, 1, /GATEHOUSE_ADMIN_TOKEN is not set/],
    [['client', 'list'], { GATEHOUSE_ADMIN_TOKEN: 'gha_wrong' }, 1, /401: the admin token is not valid/],
    [['keys', 'list'], { GATEHOUSE_URL: 'http://127.0.0.1:9' }, 1, /cannot reach Gatehouse at http:\/\/127\.0\.0\.1:9/],
    [['client', 'create'], {}, 2, /required option '--name <name>' not specified/],
    [
      ['client', 'create', '--name', 'x', '--token-format', 'xml'],
      {},
      2,
      /--token-format <format>' argument 'xml' is invalid\. Allowed choices are jwt, opaque/,
    ],
    [['client', 'create', '--name', 'x', '--grant-types', 'password'], {}, 1, /400: .*grant_types/],
    [['client', 'create', '--name', 'x', '--ttl', 'soon'], {}, 2, /--ttl must be a number/],
    [['client', 'get'], {}, 2, /missing required argument 'id'/],
    [['client', 'frobnicate'], {}, 2, /unknown command 'frobnicate'/],
    [['keys', 'shred'], {}, 2, /unknown command 'shred'/],
    [['client', 'list', '--colour'], {}, 2, /unknown option '--colour'/],
    [[], {}, 2, /usage: gatehouse/],
  ];
  const before = JSON.parse((await cli(['client', 'list', '--json'])).stdout).clients.length;
  for (const [args, env, code, message] of cases) {
    const result = await cli(args, env);
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr + result.stdout, message, args.join(' '));
  }
  assert.equal(JSON.parse((await cli(['client', 'list', '--json'])).stdout).clients.length, before, 'nothing was created');
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /client create --name NAME/);
});

test('configuration errors stop start-up with a message naming the variable', async () => {
  const cases: [Env, string][] = [
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ GATEHOUSE_PUBLIC_URL: 'not a url' }, 'GATEHOUSE_PUBLIC_URL'],
    [{ DATABASE_URL: 'mysql://db/x', GATEHOUSE_ENCRYPTION_KEY: ENCRYPTION_KEY }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://127.0.0.1/x' }, 'GATEHOUSE_ENCRYPTION_KEY'],
    [{ GATEHOUSE_ENCRYPTION_KEY: 'c2hvcnQ=' }, 'GATEHOUSE_ENCRYPTION_KEY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ];
  // `migrate` reads the same configuration; two cases show it stops the same way.
  for (const [command, list] of [
    ['start', cases],
    ['migrate', cases.slice(0, 2)],
  ] as const) {
    for (const [env, variable] of list) {
      const result = await gatehouse([command], { GATEHOUSE_DATA_DIR: path.join(storage.dataDir, 'never'), ...env });
      assert.notEqual(result.code, 0, `${command} ${JSON.stringify(env)}`);
      assert.match(result.stderr, new RegExp(`invalid configuration: ${variable}:`), `${command}: ${result.stderr}`);
    }
  }
  await assert.rejects(stat(path.join(storage.dataDir, 'never')), 'nothing was created');
});

test('an unreachable database stops start-up naming DATABASE_URL and the cause, without a stack trace', async () => {
  const port = await freePort(); // nothing listens there
  const result = await gatehouse(['start'], {
    DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x`,
    GATEHOUSE_ENCRYPTION_KEY: ENCRYPTION_KEY,
    GATEHOUSE_DB_WAIT_SECONDS: '1',
  });
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(
      `gatehouse: cannot start: DATABASE_URL: cannot reach the database at postgres://postgres@127\\.0\\.0\\.1:${port}/x: ECONNREFUSED 127\\.0\\.0\\.1:${port} \\(waited 1 s; GATEHOUSE_DB_WAIT_SECONDS sets how long\\)`,
    ),
  );
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
});

test('start-up waits for a database that does not exist yet, and names it when it never comes', { skip: !onPostgres && 'needs PostgreSQL' }, async () => {
  const base = new URL(process.env.TEST_DATABASE_URL!);
  const name = `gh_later_${Date.now()}`;
  base.pathname = `/${name}`;
  const env = { DATABASE_URL: base.toString(), GATEHOUSE_ENCRYPTION_KEY: ENCRYPTION_KEY, GATEHOUSE_DATA_DIR: path.join(storage.dataDir, 'later') };
  const missing = await gatehouse(['start'], { ...env, GATEHOUSE_DB_WAIT_SECONDS: '0' });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`DATABASE_URL: cannot reach the database at .*: database "${name}" does not exist`));
  // As in a compose file: Gatehouse first, its database a few seconds later.
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  try {
    const create = new Promise((resolve) => setTimeout(resolve, 2500)).then(() => admin.query(`create database ${name}`));
    const running = await start({ ...env, GATEHOUSE_DB_WAIT_SECONDS: '30' });
    await create;
    assert.match(running.output(), /waiting for the database/);
    assert.equal((await fetch(`${running.url}/readyz`)).status, 200);
    assert.equal((await stop(running)).code, 0);
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
});

test('shutdown has a deadline: a request that never finishes cannot keep the process alive', async () => {
  const extra = await storageEnv();
  try {
    const running = await start({ ...extra.env, GATEHOUSE_SHUTDOWN_TIMEOUT_MS: '1000' });
    // A body that trickles: the request stays in flight, and closing waits for requests in flight.
    const socket = net.connect(running.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant');
    socket.on('error', () => {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = await stop(running);
    socket.destroy();
    assert.equal(stopped.code, 1, running.output());
    assert.match(running.output(), /shutdown did not finish by its deadline/);
    assert.ok(stopped.ms < 10_000, `stopped in ${stopped.ms} ms`);
  } finally {
    await extra.cleanup();
  }
});

test('migrate on a fresh database, then start on it: key file 0600, SIGTERM exits 0, a restart mints no admin token', async () => {
  const fresh = await storageEnv();
  try {
    const migrated = await gatehouse(['migrate'], fresh.env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /^applied: 001_foundation, /);
    const again = await gatehouse(['migrate'], fresh.env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), 'database is up to date');

    const first = await start(fresh.env);
    let keyFile: string | undefined;
    try {
      assert.ok(first.adminToken, first.output());
      if (!onPostgres) {
        // The embedded default generates an encryption key into the data dir, readable by its owner only.
        keyFile = path.join(fresh.dataDir, 'encryption.key');
        assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
        assert.equal(Buffer.from((await readFile(keyFile, 'utf8')).trim(), 'base64').length, 32);
        assert.match(first.output(), /generated an encryption key/);
      }
    } finally {
      const stopped = await stop(first);
      assert.equal(stopped.code, 0, first.output());
      assert.ok(stopped.ms < 10_000, `stopped in ${stopped.ms} ms`);
    }
    const keyBefore = keyFile ? await readFile(keyFile, 'utf8') : undefined;
    const second = await start(fresh.env);
    try {
      assert.equal(second.adminToken, undefined, 'the admin token is printed only on the very first start');
      const res = await fetch(`${second.url}/admin/api/v1/keys`, { headers: { authorization: `Bearer ${first.adminToken}` } });
      assert.equal(res.status, 200, 'the first token still works');
      if (keyFile) assert.equal(await readFile(keyFile, 'utf8'), keyBefore, 'the key file is reused');
    } finally {
      assert.equal((await stop(second)).code, 0);
    }
  } finally {
    await fresh.cleanup();
  }
});

test('SIGTERM stops a running server promptly with exit code 0', async () => {
  const stopped = await stop(server);
  assert.equal(stopped.code, 0, server.output());
  assert.ok(stopped.ms < 10_000, `stopped in ${stopped.ms} ms`);
  await assert.rejects(fetch(`${server.url}/healthz`), 'nothing listens any more');
});
