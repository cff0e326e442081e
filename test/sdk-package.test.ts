// The SDK as another project gets it: npm pack in packages/client, npm install the tarball into
// an empty project, then import `@gatehouse/client` from node_modules, where Node strips no
// types, so only the built JavaScript can run, and type-check a consumer against the shipped
// declarations. The installed tree must hold the SDK and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { npmInstall, packClient, ROOT } from '../scripts/pack.ts';
import { scriptedServer } from './sdk-server.ts';

const run = promisify(execFile);

const CONSUMER_MJS = `
import { GatehouseClient, GatehouseError, GatehousePermissionError, mspcToken, USER_AGENT } from '@gatehouse/client';
const client = new GatehouseClient({ baseUrl: process.env.GATEHOUSE_URL, clientId: 'c', clientSecret: 's', retry: { attempts: 2, baseDelayMs: 1 } });
const created = await client.createOrganization({ name: 'Wisozk Inc', email: 'a@example.com', firstName: 'Ansley', lastName: 'Parisian', vendorUserId: '1', vendorOrganizationId: '1' });
const failure = await client.createSession({ organizationOemToken: 'bad' }).catch((e) => e);
console.log(JSON.stringify({ created, userAgent: USER_AGENT, mspc: mspcToken('v', 'p'), failure: { typed: failure instanceof GatehouseError, kind: failure instanceof GatehousePermissionError, status: failure.status, code: failure.code } }));
`;

const CONSUMER_TS = `
import { GatehouseClient, mspcToken, type CreateSessionResponse, type GatehouseErrorCode } from '@gatehouse/client';
const client = new GatehouseClient({ baseUrl: 'https://gatehouse.example.com', clientId: 'c', clientSecret: 's' });
export const session: Promise<CreateSessionResponse> = client.createSession({ organizationOemToken: 't' });
export const token: string = mspcToken('v', 'p');
// @ts-expect-error: the declarations are real types, not any
export const wrong: number = mspcToken('v', 'p');
export const code: GatehouseErrorCode = 'VENDOR_NOT_AUTHORIZED';
// @ts-expect-error: codes are a union of the documented ones, not any string
export const made_up: GatehouseErrorCode = 'NO_SUCH_CODE';
`;

test('npm pack yields JavaScript with declarations that work from node_modules, and nothing else', async (t) => {
  const project = await mkdtemp(path.join(tmpdir(), 'gatehouse-consumer-'));
  t.after(() => rm(project, { recursive: true, force: true }));
  const tarball = await packClient(project);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await npmInstall(project, tarball);

  const installed = path.join(project, 'node_modules', '@gatehouse', 'client');
  for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/client.d.ts', 'dist/openapi.d.ts']) await access(path.join(installed, file));
  await assert.rejects(access(path.join(installed, 'dist/index.ts')), 'sources are not what the export points at');
  await assert.rejects(access(path.join(installed, 'src')), 'only the build is packed');
  const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
  assert.equal(manifest.name, '@gatehouse/client');
  assert.deepEqual(manifest.exports['.'], { types: './dist/index.d.ts', default: './dist/index.js' });
  assert.equal(manifest.sideEffects, false);
  assert.equal(manifest.type, 'module');
  assert.equal(manifest.dependencies, undefined);

  // The consumer's production tree is the SDK alone: no dependencies, not even transitive ones.
  const ls = JSON.parse((await run('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: project, shell: process.platform === 'win32' })).stdout);
  assert.deepEqual(Object.keys(ls.dependencies), ['@gatehouse/client']);
  assert.equal(ls.dependencies['@gatehouse/client'].dependencies, undefined);
  const tree = (await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: project, shell: process.platform === 'win32' })).stdout
    .trim()
    .split('\n');
  assert.deepEqual(
    tree.map((line) => path.relative(project, line)),
    ['', path.join('node_modules', '@gatehouse', 'client')],
  );

  // The plain JavaScript consumer, run by whichever Node runs this suite.
  const server = await scriptedServer((request) =>
    request.path.endsWith('/session')
      ? { status: 403, body: { status: 403, error: 'INVALID_OEM_TOKEN', message: 'the organization token is not valid' } }
      : { status: 201, body: { status: 201, message: 'Successfully created organization', organizationOemToken: 'oem', organizationId: 'org-1' } },
  );
  t.after(() => server.close());
  await writeFile(path.join(project, 'consumer.mjs'), CONSUMER_MJS);
  const { stdout } = await run(process.execPath, ['consumer.mjs'], { cwd: project, env: { ...process.env, GATEHOUSE_URL: server.url } });
  const result = JSON.parse(stdout);
  assert.equal(result.created.organizationOemToken, 'oem');
  assert.equal(result.mspc, Buffer.from('v:p').toString('base64'));
  assert.deepEqual(result.failure, { typed: true, kind: true, status: 403, code: 'INVALID_OEM_TOKEN' });
  // The User-Agent names the version in the installed package's own manifest.
  assert.equal(result.userAgent, `gatehouse-client/${manifest.version}`);
  assert.ok(
    server.requests.every((request) => request.headers['user-agent'] === `gatehouse-client/${manifest.version}`),
    'every request says who sent it',
  );

  // A TypeScript consumer checks against the shipped .d.ts files.
  await writeFile(path.join(project, 'consumer.ts'), CONSUMER_TS);
  await writeFile(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [], lib: ['es2022', 'dom'] },
      files: ['consumer.ts'],
    }),
  );
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const check = await run(process.execPath, [tsc, '-p', project], { cwd: project }).catch((error: { stdout: string }) => error);
  assert.equal(check.stdout, '', 'the consumer type-checks against the declarations');
});
