// `gatehouse organization ...`: organizations (MSPs) as the admin API shows them.
import type { Command } from 'commander';
import { call } from './admin-client.ts';
import { adminCommand, fields, handle, id, query, table, wholeNumber, type Listed, type Shown } from './command.ts';
import { userTable } from './user.ts';

function show(o: Shown & { users?: Shown[] }): string {
  const about = fields([
    ['organization_id', o.organization_id],
    ['name', o.name],
    ['vendor_id', o.vendor_id],
    ['vendor_org_id', o.vendor_organization_id],
    ['oem_token', o.oem_token],
    ['created_at', o.created_at],
    ['updated_at', o.updated_at],
  ]);
  return o.users ? `${about}\n\n${userTable(o.users)}` : about;
}

export function organizationCommands(program: Command): void {
  const organization = program.command('organization').description('organizations (MSPs) the vendors created');
  adminCommand(organization, 'list', 'list organizations, oldest id first')
    .option('--vendor <id>', "only this vendor's")
    .option('--after <id>', 'the page after this organization id')
    .option('--limit <n>', 'at most this many (1 to 1000)', wholeNumber('--limit'))
    .action(
      handle(
        ({ t, opts }) => call<Listed<'organizations'>>(t, 'GET', `/organizations${query({ vendor_id: opts.vendor, after: opts.after, limit: opts.limit })}`),
        (r) =>
          table(
            ['ORGANIZATION_ID', 'NAME', 'VENDOR_ID', 'VENDOR_ORG_ID', 'OEM_TOKEN', 'CREATED'],
            r.organizations.map((o) => [o.organization_id, o.name, o.vendor_id, o.vendor_organization_id, o.oem_token, o.created_at]),
            'no organizations',
          ),
      ),
    );
  adminCommand(organization, 'get <id>', 'show an organization and its users').action(
    handle(({ t, args }) => call(t, 'GET', `/organizations/${id(args[0])}`), show),
  );
}
