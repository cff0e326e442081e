// `gatehouse audit list`: audit events, newest first, with the admin API's filters.
import { Option, type Command } from 'commander';
import { call } from './admin-client.ts';
import { adminCommand, handle, query, table, wholeNumber, type Listed } from './command.ts';

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit log');
  adminCommand(audit, 'list', 'audit events, newest first')
    .option('--action <action>', 'only this action (client.created, token.issued, ...)')
    .option('--actor <actor>', 'only events by this actor (admin, a user id, a client id)')
    .addOption(new Option('--outcome <outcome>', 'only successes or failures').choices(['success', 'failure']))
    .option('--client <id>', 'only events about this client')
    .option('--since <time>', 'at or after this ISO 8601 date-time')
    .option('--until <time>', 'before this ISO 8601 date-time')
    .option('--before <id>', 'the page before this event id')
    .option('--limit <n>', 'at most this many (1 to 1000, default 100)', wholeNumber('--limit'))
    .action(
      handle(
        ({ t, opts }) =>
          call<Listed<'events'>>(
            t,
            'GET',
            `/audit-events${query({
              action: opts.action,
              actor: opts.actor,
              outcome: opts.outcome,
              client_id: opts.client,
              since: opts.since,
              until: opts.until,
              before_id: opts.before,
              limit: opts.limit,
            })}`,
          ),
        (r) =>
          table(
            ['ID', 'AT', 'ACTION', 'OUTCOME', 'ACTOR', 'CLIENT_ID', 'IP', 'DETAILS'],
            r.events.map((e) => [
              e.id,
              e.at,
              e.action,
              e.outcome,
              e.actor,
              e.client_id,
              e.ip,
              Object.keys(e.details ?? {}).length ? JSON.stringify(e.details) : '',
            ]),
            'no audit events',
          ),
      ),
    );
}
