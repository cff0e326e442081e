// `gatehouse keys ...`: the signing keys through the admin API.
import type { Command } from 'commander';
import { call } from './admin-client.ts';
import { adminCommand, handle, table, type Listed } from './command.ts';

const show = (r: Listed<'keys'>) =>
  table(
    ['KID', 'ALG', 'STATUS', 'CREATED', 'EXPIRES'],
    r.keys.map((k) => [k.kid, k.alg, k.status, k.created_at, k.expires_at]),
    'no keys',
  );

export function keyCommands(program: Command): void {
  const keys = program.command('keys').description('token signing keys');
  adminCommand(keys, 'list', 'list the signing keys (current, next and previous)').action(handle(({ t }) => call(t, 'GET', '/keys'), show));
  adminCommand(keys, 'rotate', 'make the next key current; the current one stays in the JWKS as previous').action(
    handle(({ t }) => call(t, 'POST', '/keys/rotate'), show),
  );
}
