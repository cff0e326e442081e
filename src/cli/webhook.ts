// `gatehouse webhook ...`: an organization's webhook subscriptions and their delivery log.
import type { Command } from 'commander';
import { call } from './admin-client.ts';
import { adminCommand, fields, handle, id, query, table, wholeNumber, type Listed, type Shown } from './command.ts';

function show(w: Shown): string {
  return fields([
    ['webhook_id', w.webhook_id],
    ['webhook_url', w.webhook_url],
    ['event_types', w.eventTypes],
    ['auth_header', w.auth_header],
    ['status', w.status],
    ...(w.disabled_reason ? [['disabled_reason', w.disabled_reason] as [string, unknown]] : []),
    ...(w.previous_secret_expires_at ? [['previous secret until', w.previous_secret_expires_at] as [string, unknown]] : []),
    ['created_at', w.created_at],
    ['updated_at', w.updated_at],
  ]);
}

const base = (organization: string) => `/organizations/${id(organization)}/webhooks`;

export function webhookCommands(program: Command): void {
  const webhook = program.command('webhook').description('webhook subscriptions of an organization');
  const organization = (c: Command) => c.requiredOption('--organization <id>', 'the organization');
  organization(adminCommand(webhook, 'list', "list an organization's webhook subscriptions")).action(
    handle(
      ({ t, opts }) => call<Listed<'webhooks', Shown & { eventTypes: string[] }>>(t, 'GET', base(opts.organization)),
      (r) =>
        table(
          ['WEBHOOK_ID', 'URL', 'STATUS', 'EVENT_TYPES'],
          r.webhooks.map((w) => [w.webhook_id, w.webhook_url, w.status, w.eventTypes.join(' ')]),
          'no webhooks',
        ),
    ),
  );
  organization(adminCommand(webhook, 'get <webhook_id>', 'show a webhook subscription')).action(
    handle(({ t, args, opts }) => call(t, 'GET', `${base(opts.organization)}/${id(args[0])}`), show),
  );
  organization(adminCommand(webhook, 'deliveries <webhook_id>', 'its delivery attempts, newest first'))
    .option('--limit <n>', 'at most this many (1 to 500)', wholeNumber('--limit'))
    .option('--before <attempt_id>', 'the page before this attempt')
    .option('--delivery <id>', 'only the attempts of this delivery')
    .action(
      handle(
        ({ t, args, opts }) =>
          call<Listed<'deliveries'>>(
            t,
            'GET',
            `${base(opts.organization)}/${id(args[0])}/deliveries${query({ limit: opts.limit, before: opts.before, delivery_id: opts.delivery })}`,
          ),
        (r) =>
          table(
            ['ATTEMPT_ID', 'AT', 'EVENT_TYPE', 'STATUS', 'HTTP', 'MS', 'TRIGGER', 'ERROR'],
            r.deliveries.map((d) => [d.attempt_id, d.attempted_at, d.event_type, d.delivery_status, d.status_code, d.duration_ms, d.trigger, d.error]),
            'no delivery attempts',
          ),
      ),
    );
}
