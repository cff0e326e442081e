// The error catalog is the one source of every code Gatehouse answers: each code an audience can
// hear is documented in the OpenAPI document the app serves and in the README's table (as
// Fastify's suite checks its error codes against its docs), and only the catalog makes errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG, codesOf, errors, vocabulary, type Kind } from '../src/error-catalog.ts';
import { describe as describeError } from '../src/errors.ts';
import { startGatehouse, type TestGatehouse } from './helpers.ts';

let g: TestGatehouse;
before(async () => {
  g = await startGatehouse();
});
after(async () => {
  await g.stop();
});

const kinds = Object.keys(CATALOG) as Kind[];

test('the OpenAPI document lists every code each audience can answer', async () => {
  const res = await g.app.inject({ method: 'GET', url: '/docs/json' });
  assert.equal(res.statusCode, 200);
  const schemas = res.json().components.schemas;
  assert.deepEqual([...(schemas.OAuthError.properties.error.enum as string[])].sort(), codesOf('oauth'));
  assert.deepEqual([...(schemas.OemError.properties.error.enum as string[])].sort(), codesOf('oem'));
  assert.deepEqual([...(schemas.ApiError.properties.error.properties.code.enum as string[])].sort(), codesOf('api'));
});

/** The README's error table: one row per kind, `| status | oauth | oem | api | when |`. */
function readmeRows(): string[][] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('### Error codes');
  assert.ok(start >= 0, 'the README has an "Error codes" section');
  const section = readme.slice(start, readme.indexOf('\n#', start + 1));
  return section
    .split('\n')
    .filter((line) => /^\| \d/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

test("the README table has a row for every kind, with its status and each audience's code", () => {
  const rows = readmeRows();
  for (const kind of kinds) {
    const want = [vocabulary(kind, 'admin').status, vocabulary(kind, 'oauth').code, vocabulary(kind, 'oem').code, vocabulary(kind, 'admin').code];
    const found = rows.some(
      ([status, oauth, oem, api]) => status.startsWith(String(want[0])) && oauth === `\`${want[1]}\`` && oem === `\`${want[2]}\`` && api === `\`${want[3]}\``,
    );
    assert.ok(found, `README error table lacks ${kind}: ${want.join(' ')}`);
  }
  for (const [audience, column] of [
    ['oauth', 1],
    ['oem', 2],
    ['api', 3],
  ] as const) {
    const documented = new Set(rows.map((row) => row[column].replace(/`/g, '')));
    for (const code of codesOf(audience)) assert.ok(documented.has(code), `README error table lacks the ${audience} code ${code}`);
  }
});

test('every audience answers a kind in its own vocabulary, one code for 429', () => {
  const conflict = errors.Conflict('the organization already has an external integration with this vendor');
  assert.deepEqual(pick(describeError(conflict, 'admin')), [409, 'conflict']);
  assert.deepEqual(pick(describeError(conflict, 'msp')), [409, 'conflict']);
  assert.deepEqual(pick(describeError(conflict, 'oem')), [409, 'CONFLICT']);
  const missing = errors.NotFound('organization', 'org_1');
  assert.equal(missing.message, 'organization "org_1" does not exist');
  assert.deepEqual(pick(describeError(missing, 'oem')), [404, 'NOT_FOUND']);
  assert.deepEqual(pick(describeError(missing, 'admin')), [404, 'not_found']);
  const limited = errors.RateLimited(7, 'rate limit exceeded, retry in 7 s');
  assert.equal(limited.headers['retry-after'], '7');
  assert.deepEqual(pick(describeError(limited, 'oauth')), [429, 'too_many_requests']);
  assert.deepEqual(pick(describeError(limited, 'oem')), [429, 'RATE_LIMITED']);
  assert.deepEqual(pick(describeError(limited, 'admin')), [429, 'rate_limited']);
  for (const audience of ['oauth', 'oem', 'api'] as const) {
    const codes = new Set(kinds.filter((k) => CATALOG[k].status === 429).map((k) => CATALOG[k][audience]));
    assert.equal(codes.size, 1, `${audience} has one 429 code`);
  }
});

test("the SDK's OEM error code union is the OEM vocabulary of the catalog", () => {
  const source = readFileSync(new URL('../packages/client/src/errors.ts', import.meta.url), 'utf8');
  const union = /export type OemApiErrorCode =([^;]*);/.exec(source);
  assert.ok(union, 'packages/client/src/errors.ts declares OemApiErrorCode');
  assert.deepEqual([...union[1].matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]).sort(), codesOf('oem'));
});

test('the OEM vocabulary is upper case, the others lower case', () => {
  for (const code of codesOf('oem')) assert.match(code, /^[A-Z_]+$/);
  for (const code of [...codesOf('oauth'), ...codesOf('api')]) assert.match(code, /^[a-z_]+$/);
});

test('only the catalog module constructs AppError', () => {
  const root = new URL('../src/', import.meta.url).pathname;
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('error-catalog.ts') && readFileSync(path, 'utf8').includes('new AppError('))
        offenders.push(path.slice(root.length));
    }
  };
  walk(root);
  assert.deepEqual(offenders, []);
});

function pick(described: { status: number; code: string }): [number, string] {
  return [described.status, described.code];
}
