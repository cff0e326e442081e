// `gatehouse operator ...`: console operator accounts through the admin API.
import type { Command } from 'commander';
import { call } from './admin-client.ts';
import { adminCommand, handle, id, table, type Listed } from './command.ts';

interface Created {
  operator_id: string;
  email: string;
  password_link: string;
  password_link_expires_at: string;
}

const linkText = (r: Created) =>
  `operator ${r.email} (${r.operator_id})\nset-password link (single use, until ${r.password_link_expires_at}; then sign in at /console/login):\n${r.password_link}`;

export function operatorCommands(program: Command): void {
  const operator = program.command('operator').description('operators of the console');
  adminCommand(operator, 'create', 'create an operator; prints a one-time link to set their password')
    .requiredOption('--email <email>', 'their email address (they sign in with it)')
    .action(handle(({ t, opts }) => call<Created>(t, 'POST', '/operators', { email: opts.email }), linkText));
  adminCommand(operator, 'list', 'list operators').action(
    handle(
      ({ t }) => call<Listed<'operators'>>(t, 'GET', '/operators'),
      (r) =>
        table(
          ['OPERATOR_ID', 'EMAIL', 'PASSWORD', 'LAST_LOGIN'],
          r.operators.map((o) => [o.operator_id, o.email, o.has_password ? 'set' : 'not yet', o.last_login_at]),
          'no operators',
        ),
    ),
  );
  adminCommand(operator, 'password-link <id>', 'a new one-time link for an operator to set a password').action(
    handle(({ t, args }) => call<Created>(t, 'POST', `/operators/${id(args[0])}/password-link`), linkText),
  );
}
