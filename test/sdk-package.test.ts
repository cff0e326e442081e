// The SDK as another project gets it: npm pack, npm install the tarball, then import
// `gatehouse/client` from node_modules, where Node strips no types, so only the built
// JavaScript can run, and type-check a consumer against the shipped declarations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { npmInstall, packGatehouse, ROOT } from '../scripts/pack.ts';
import { scriptedServer } from './sdk-server.ts';

const run = promisify(execFile);

const CONSUMER_MJS = `
import { GatehouseClient, GatehouseError, mspcToken } from 'gatehouse/client';
const client = new GatehouseClient({ baseUrl: process.env.GATEHOUSE_URL, clientId: 'c', clientSecret: 's', retry: { attempts: 2, baseDelayMs: 1 } });
const created = await client.createOrganization({ name: 'Wisozk Inc', email: 'a@example.com', firstName: 'Ansley', lastName: 'Parisian', vendorUserId: '1', vendorOrganizationId: '1' });
const failure = await client.createSession({ organizationOemToken: 'bad' }).catch((e) => e);
console.log(JSON.stringify({ created, mspc: mspcToken('v', 'p'), failure: { typed: failure instanceof GatehouseError, status: failure.status, code: failure.code } }));
`;

const CONSUMER_TS = `
import { GatehouseClient, mspcToken, type CreateSessionResponse } from 'gatehouse/client';
const client = new GatehouseClient({ baseUrl: 'https://gatehouse.example.com', clientId: 'c', clientSecret: 's' });
export const session: Promise<CreateSessionResponse> = client.createSession({ organizationOemToken: 't' });
export const token: string = mspcToken('v', 'p');
// @ts-expect-error: the declarations are real types, not any
export const wrong: number = mspcToken('v', 'p');
`;

test('npm pack yields JavaScript with declarations that work from node_modules', async (t) => {
  const project = await mkdtemp(path.join(tmpdir(), 'gatehouse-consumer-'));
  t.after(() => rm(project, { recursive: true, force: true }));
  const tarball = await packGatehouse(project);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await npmInstall(project, tarball);

  const installed = path.join(project, 'node_modules', 'gatehouse');
  for (const file of ['dist/sdk/index.js', 'dist/sdk/index.d.ts', 'dist/sdk/client.d.ts']) await access(path.join(installed, file));
  await assert.rejects(access(path.join(installed, 'dist/sdk/index.ts')), 'sources are not what the export points at');
  const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
  assert.deepEqual(manifest.exports['./client'], { types: './dist/sdk/index.d.ts', default: './dist/sdk/index.js' });
  assert.ok(manifest.bin.gatehouse, 'the command is still packaged');

  // The plain JavaScript consumer, run by whichever Node runs this suite.
  const server = await scriptedServer((request) => request.path.endsWith('/session')
    ? { status: 403, body: { status: 403, error: 'INVALID_OEM_TOKEN', message: 'the organization token is not valid' } }
    : { status: 201, body: { status: 201, message: 'Successfully created organization', organizationOemToken: 'oem', organizationId: 'org-1' } });
  t.after(() => server.close());
  await writeFile(path.join(project, 'consumer.mjs'), CONSUMER_MJS);
  const { stdout } = await run(process.execPath, ['consumer.mjs'], { cwd: project, env: { ...process.env, GATEHOUSE_URL: server.url } });
  const result = JSON.parse(stdout);
  assert.equal(result.created.organizationOemToken, 'oem');
  assert.equal(result.mspc, Buffer.from('v:p').toString('base64'));
  assert.deepEqual(result.failure, { typed: true, status: 403, code: 'INVALID_OEM_TOKEN' });

  // A TypeScript consumer checks against the shipped .d.ts files.
  await writeFile(path.join(project, 'consumer.ts'), CONSUMER_TS);
  await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [], lib: ['es2022', 'dom'] },
    files: ['consumer.ts'],
  }));
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const check = await run(process.execPath, [tsc, '-p', project], { cwd: project }).catch((error: { stdout: string }) => error);
  assert.equal(check.stdout, '', 'the consumer type-checks against the declarations');
});
