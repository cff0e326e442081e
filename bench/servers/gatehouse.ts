// Gatehouse for the OAuth benchmarks: built through the composition root, one confidential
// client created through the admin API as an operator would, and one token issued up front
// for introspection. Prints one JSON line: {url, clientId, clientSecret, token}.
// Environment: BENCH_DATABASE_URL (PostgreSQL; embedded PGlite in a temporary directory when unset).
import { ADMIN_TOKEN as adminToken, bootGatehouse } from './boot.ts';

const { gatehouse, url } = await bootGatehouse();

const created = await fetch(`${url}/admin/api/v1/clients`, {
  method: 'POST',
  headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'bench', grant_types: ['client_credentials'], scopes: ['read', 'write'] }),
});
if (created.status !== 201) throw new Error(`creating the bench client failed: ${created.status} ${await created.text()}`);
const { client_id: clientId, client_secret: clientSecret } = (await created.json()) as { client_id: string; client_secret: string };

const issued = await fetch(`${url}/oauth/token`, {
  method: 'POST',
  headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials&scope=read',
});
if (issued.status !== 200) throw new Error(`the first token request failed: ${issued.status} ${await issued.text()}`);
const { access_token: token } = (await issued.json()) as { access_token: string };
// The comparison is about ES256 JWTs: refuse to measure anything else.
const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as { alg?: string; typ?: string };
if (header.alg !== 'ES256' || header.typ !== 'at+jwt') throw new Error(`expected an ES256 at+jwt access token, got ${JSON.stringify(header)}`);

process.stdout.write(JSON.stringify({ url, clientId, clientSecret, token }) + '\n');
const stop = () =>
  void gatehouse.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
