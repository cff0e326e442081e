// `gatehouse user ...`: an organization's users through the admin API.
import type { Command, OptionValues } from 'commander';
import { call } from './admin-client.ts';
import { adminCommand, fields, handle, id, table, type Listed, type Shown } from './command.ts';

export function userTable(users: Shown[]): string {
  return table(
    ['USER_ID', 'EMAIL', 'NAME', 'ROLE', 'VENDOR_USER_ID', 'LAST_LOGIN'],
    users.map((u) => [u.user_id, u.email, [u.first_name, u.last_name].filter(Boolean).join(' '), u.role, u.vendor_user_id, u.last_login_at]),
    'no users',
  );
}

function show(u: Shown): string {
  return fields([
    ['user_id', u.user_id],
    ['email', u.email],
    ['first_name', u.first_name],
    ['last_name', u.last_name],
    ['role', u.role],
    ['vendor_user_id', u.vendor_user_id],
    ...(u.organization_id ? [['organization_id', u.organization_id] as [string, unknown]] : []),
    ['last_login_at', u.last_login_at],
    ['created_at', u.created_at],
  ]);
}

/** The fields `user create` and `user update` send, from the options given. */
function body(opts: OptionValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [option, field] of [
    ['email', 'email'],
    ['firstName', 'first_name'],
    ['lastName', 'last_name'],
    ['vendorUserId', 'vendor_user_id'],
    ['role', 'role'],
  ]) {
    if (opts[option] !== undefined) out[field] = opts[option];
  }
  return out;
}

export function userCommands(program: Command): void {
  const user = program.command('user').description('users of an organization');
  adminCommand(user, 'list', "list an organization's users")
    .requiredOption('--organization <id>', 'the organization')
    .action(
      handle(
        ({ t, opts }) => call<Listed<'users'>>(t, 'GET', `/organizations/${id(opts.organization)}/users`),
        (r) => userTable(r.users),
      ),
    );
  adminCommand(user, 'get <id>', 'show a user').action(handle(({ t, args }) => call(t, 'GET', `/users/${id(args[0])}`), show));
  adminCommand(user, 'create', 'add a user to an organization (give them a password link to sign in)')
    .requiredOption('--organization <id>', 'the organization')
    .requiredOption('--email <email>', 'their email address')
    .requiredOption('--first-name <name>', 'their first name')
    .requiredOption('--last-name <name>', 'their last name')
    .requiredOption('--role <role>', 'their role in the organization')
    .option('--vendor-user-id <id>', "the vendor's id for this user")
    .action(handle(({ t, opts }) => call(t, 'POST', `/organizations/${id(opts.organization)}/users`, body(opts)), show));
  adminCommand(user, 'update <id>', 'change the fields the options name')
    .option('--first-name <name>', 'a new first name')
    .option('--last-name <name>', 'a new last name')
    .option('--role <role>', 'a new role')
    .action(handle(({ t, args, opts }) => call(t, 'PATCH', `/users/${id(args[0])}`, body(opts)), show));
  adminCommand(user, 'remove <id>', 'remove a user: their sessions end and their tokens stop working').action(
    handle(
      async ({ t, args }) => {
        await call(t, 'DELETE', `/users/${id(args[0])}`);
        return { user_id: args[0], removed: true };
      },
      (r) => `removed user ${r.user_id}`,
    ),
  );
  adminCommand(user, 'password-link <id>', 'a one-time link for the user to set a password (shown once)').action(
    handle(
      ({ t, args }) => call<{ user_id: string; expires_at: string; url: string }>(t, 'POST', `/users/${id(args[0])}/password-link`),
      (r) => `password link for ${r.user_id} (single use, until ${r.expires_at}):\n${r.url}`,
    ),
  );
}
