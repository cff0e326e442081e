// `bin/gatehouse.js` as an operator runs it: directly, by a Node that cannot strip types (the
// system's Node 20 failed with ERR_UNKNOWN_FILE_EXTENSION ".ts"), by the project's Node 24, and
// from under node_modules as a global install lays it out, where Node strips no types itself.
// Arguments, output and the exit code pass through the re-run; SIGTERM reaches the server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'gatehouse.js');
const SYSTEM_NODE = '/usr/bin/node';

function stripsTypes(node: string): boolean {
  return execFileSync(node, ['-p', 'Boolean(process.features.typescript)'], { encoding: 'utf8' }).trim() === 'true';
}

const oldSystemNode = existsSync(SYSTEM_NODE) && !stripsTypes(SYSTEM_NODE);
const skipOld = !oldSystemNode && `${SYSTEM_NODE} is missing or strips types itself`;

/** The environment without Gatehouse settings, so a command sees only what a test gives it. */
function cleanEnv(extra: Record<string, string> = {}) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(GATEHOUSE_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$)/.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

function run(node: string, bin: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(node, [bin, ...args], { env: cleanEnv(), timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

let installed: string; // bin/gatehouse.js inside a node_modules/gatehouse copy of the package
let scratch: string;

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'gatehouse-bin-'));
  const pkg = path.join(scratch, 'node_modules', 'gatehouse');
  await mkdir(pkg, { recursive: true });
  for (const entry of ['bin', 'src', 'package.json']) await cp(path.join(ROOT, entry), path.join(pkg, entry), { recursive: true });
  await symlink(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
  installed = path.join(pkg, 'bin', 'gatehouse.js');
});
after(() => rm(scratch, { recursive: true, force: true }));

const cases: [string, () => string, () => string, false | string][] = [
  ['the system Node (no type stripping)', () => SYSTEM_NODE, () => BIN, skipOld],
  ['the project Node', () => process.execPath, () => BIN, false],
  ['the system Node, installed under node_modules', () => SYSTEM_NODE, () => installed, skipOld],
  ['the project Node, installed under node_modules', () => process.execPath, () => installed, false],
];

for (const [name, node, bin, skip] of cases) {
  test(`--help and an unknown command through bin/gatehouse.js with ${name}`, { skip }, async () => {
    const help = await run(node(), bin(), ['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^usage: gatehouse <command>/);
    assert.equal(help.stderr, '', 'no warnings');
    const unknown = await run(node(), bin(), ['frobnicate']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /unknown command/);
    assert.doesNotMatch(unknown.stderr, /ERR_|at /);
  });
}

test('the shim run directly (its #! line) prints the usage', async () => {
  const help = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    execFile(BIN, ['--help'], { env: cleanEnv(), timeout: 60_000 }, (error, stdout) => resolve({ code: error ? (error.code as number) : 0, stdout }));
  });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: gatehouse <command>/);
});

test('SIGTERM sent to the shim under the system Node reaches the server, which stops cleanly', { skip: skipOld }, async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-bin-data-'));
  try {
    const port = await freePort();
    const child = spawn(SYSTEM_NODE, [BIN, 'start'], {
      env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', GATEHOUSE_DATA_DIR: dataDir }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (chunk) => (out += chunk));
    child.stderr!.on('data', (chunk) => (out += chunk));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`start timed out:\n${out}`)), 60_000);
      child.stdout!.on('data', () => {
        if (/Gatehouse is listening on/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`start exited:\n${out}`)));
    });
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const result = await exited;
    clearTimeout(timer);
    assert.deepEqual(result, { code: 0, signal: null }, out);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'the server stopped with the shim');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
