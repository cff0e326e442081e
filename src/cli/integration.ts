// `gatehouse integration ...`: an organization's integrations with vendors (never their secrets).
import type { Command } from 'commander';
import { call } from './admin-client.ts';
import { adminCommand, fields, handle, id, table, type Listed, type Shown } from './command.ts';

function show(i: Shown & { vendor_name: string; vendor_id: string; partner_keys?: Shown[] }): string {
  const about = fields([
    ['integration_id', i.integration_id],
    ['organization_id', i.organization_id],
    ['vendor', `${i.vendor_name} (${i.vendor_id})`],
    ['kind', i.kind],
    ['status', i.status],
    ['credentials', i.has_credentials ? 'stored' : 'none'],
    ['disabled_at', i.disabled_at],
    ['last_used_at', i.last_used_at],
    ['created_at', i.created_at],
  ]);
  if (!i.partner_keys) return about;
  return `${about}\n\n${table(
    ['PARTNER_KEY_CREATED', 'EXPIRES', 'LAST_USED'],
    i.partner_keys.map((k) => [k.created_at, k.expires_at, k.last_used_at]),
    'no partner API keys',
  )}`;
}

export function integrationCommands(program: Command): void {
  const integration = program.command('integration').description('integrations between organizations and vendors');
  adminCommand(integration, 'list', "list an organization's integrations")
    .requiredOption('--organization <id>', 'the organization')
    .action(
      handle(
        ({ t, opts }) => call<Listed<'integrations'>>(t, 'GET', `/organizations/${id(opts.organization)}/integrations`),
        (r) =>
          table(
            ['INTEGRATION_ID', 'VENDOR', 'KIND', 'STATUS', 'LAST_USED', 'CREATED'],
            r.integrations.map((i) => [i.integration_id, i.vendor_name, i.kind, i.status, i.last_used_at, i.created_at]),
            'no integrations',
          ),
      ),
    );
  adminCommand(integration, 'get <id>', "show an integration and its partner API keys' dates").action(
    handle(({ t, args }) => call(t, 'GET', `/integrations/${id(args[0])}`), show),
  );
}
