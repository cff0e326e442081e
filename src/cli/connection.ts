// `gatehouse connection ...`: an organization's connections made by a connector.
// `connection create --connector ID --organization ORG_ID --json` prints connection_id and status;
// `--config NAME=VALUE` and `--credential NAME=VALUE` or `--credential-file NAME=PATH`
// (repeatable) give the connection's settings.
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { call } from './admin-client.ts';
import { adminCommand, fields, handle, id, query, table, type Listed, type Shown } from './command.ts';

function show(r: Shown): string {
  return fields([
    ['connection_id', r.connection_id],
    ['status', r.status],
    ['connector_id', r.connector_id],
    ['organization', r.organization_id],
    ['last_refresh', r.last_refresh_at],
    ['expires_at', r.expires_at],
    ...(r.config && Object.keys(r.config).length > 0 ? [['config', r.config] as [string, unknown]] : []),
    ...(r.verification_error ? [['verification_error', r.verification_error] as [string, unknown]] : []),
    ...(r.last_error ? [['last_error', r.last_error] as [string, unknown]] : []),
  ]);
}

/** A repeatable NAME=VALUE option, collected into an object. */
function pair(option: string) {
  return (value: string, previous: Record<string, string> | undefined): Record<string, string> => {
    const at = value.indexOf('=');
    if (at <= 0) throw new InvalidArgumentError(`${option} takes NAME=VALUE`);
    return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
  };
}

/** The settings options of create and update; values are checked by the server against the connector. */
function settingsOptions(command: Command): Command {
  return command
    .option('--config <name=value>', 'a connection setting (repeatable)', pair('--config'))
    .option('--credential <name=value>', 'a credential, stored sealed and never shown again (repeatable)', pair('--credential'))
    .option('--credential-file <name=path>', 'a credential read from a file, kept out of the shell history (repeatable)', pair('--credential-file'));
}

type SettingsOptions = { config?: Record<string, string>; credential?: Record<string, string>; credentialFile?: Record<string, string> };

async function settings(opts: SettingsOptions) {
  const files = Object.entries(opts.credentialFile ?? {});
  // One trailing line break is the file's, not the secret's.
  const read = await Promise.all(files.map(async ([name, file]) => [name, (await readFile(file, 'utf8')).replace(/\r?\n$/, '')] as const));
  const credentials = { ...opts.credential, ...Object.fromEntries(read) };
  return { ...(opts.config ? { config: opts.config } : {}), ...(Object.keys(credentials).length > 0 ? { credentials } : {}) };
}

export function connectionCommands(program: Command): void {
  const connection = program.command('connection').description('connections a connector made for organizations');
  settingsOptions(
    adminCommand(connection, 'create', 'connect an organization without a browser (API key, Basic, two-step and client-credentials connectors)')
      .requiredOption('--connector <id>', 'the connector')
      .requiredOption('--organization <id>', 'the organization'),
  ).action(
    handle(
      async ({ t, opts }) => call(t, 'POST', '/connections', { connector_id: opts.connector, organization_id: opts.organization, ...(await settings(opts)) }),
      show,
    ),
  );
  settingsOptions(adminCommand(connection, 'update <id>', "replace a connection's config or credentials (verified again)")).action(
    handle(async ({ t, args, opts }) => {
      const body = await settings(opts);
      if (Object.keys(body).length === 0) throw new InvalidArgumentError('give --config or --credential');
      return call(t, 'PATCH', `/connections/${id(args[0])}`, body);
    }, show),
  );
  adminCommand(connection, 'list', 'list connections')
    .option('--organization <id>', "only this organization's")
    .option('--connector <id>', "only this connector's")
    .action(
      handle(
        ({ t, opts }) => call<Listed<'connections'>>(t, 'GET', `/connections${query({ organization_id: opts.organization, connector_id: opts.connector })}`),
        (r) =>
          table(
            ['CONNECTION_ID', 'CONNECTOR_ID', 'ORGANIZATION_ID', 'STATUS', 'LAST_REFRESH', 'EXPIRES'],
            r.connections.map((c) => [c.connection_id, c.connector_id, c.organization_id, c.status, c.last_refresh_at, c.expires_at]),
            'no connections',
          ),
      ),
    );
  adminCommand(connection, 'get <id>', 'show a connection').action(handle(({ t, args }) => call(t, 'GET', `/connections/${id(args[0])}`), show));
  adminCommand(connection, 'refresh <id>', 'refresh its tokens now').action(
    handle(({ t, args }) => call(t, 'POST', `/connections/${id(args[0])}/refresh`), show),
  );
  adminCommand(connection, 'delete <id>', 'delete a connection (revoking its tokens at the vendor where it can)').action(
    handle(
      ({ t, args }) => call<{ connection_id: string; revoked: boolean }>(t, 'DELETE', `/connections/${id(args[0])}`),
      (r) => `deleted connection ${r.connection_id}${r.revoked ? ' (revoked at the vendor)' : ''}`,
    ),
  );
}
