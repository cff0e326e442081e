// The `gatehouse` command: the command tree (one module per command group) and how it answers
// a bad command line. Human output by default, --json for scripts. Exit codes: 0 done, 1 the
// server or a precondition refused, 2 the command line itself is wrong.
import { Command, CommanderError, Help } from 'commander';
import { CliError } from './admin-client.ts';
import { auditCommands } from './audit.ts';
import { clientCommands } from './client.ts';
import { connectionCommands } from './connection.ts';
import { connectorCommands } from './connector.ts';
import { integrationCommands } from './integration.ts';
import { keyCommands } from './keys.ts';
import { operatorCommands } from './operator.ts';
import { organizationCommands } from './organization.ts';
import { userCommands } from './user.ts';
import { vendorCommands } from './vendor.ts';
import { webhookCommands } from './webhook.ts';

/** Every runnable command with its full name (`client create`), in the order they were declared. */
function leaves(command: Command, prefix = ''): { name: string; command: Command }[] {
  return command.commands.flatMap((c) => {
    const name = `${prefix}${c.name()}`;
    return c.commands.length ? leaves(c, `${name} `) : [{ name, command: c }];
  });
}

/**
 * How a command is called: its arguments and required options, with value names in capitals
 * (`client create --name NAME [options]`), for its own help and the overview.
 */
function synopsis(command: Command): string {
  const upper = (flags: string) => flags.replace(/<([\w-]+)>/g, (_, name: string) => name.toUpperCase()).replace(/^-\w, /, '');
  const args = command.registeredArguments.map((a) => (a.required ? a.name().toUpperCase() : `[${a.name().toUpperCase()}]`));
  const required = command.options.filter((o) => o.mandatory).map((o) => upper(o.flags));
  return [...args, ...required, '[options]'].join(' ');
}

/** `gatehouse --help`: every command on one line each, then what they need. */
function overview(program: Command): string {
  const rows = leaves(program).map(({ name, command }) => [`${name} ${command.usage()}`.replace(/ \[options\]$/, ''), command.description()]);
  const width = 40;
  const lines = rows.map(([left, text]) => (left.length <= width - 2 ? `  ${left.padEnd(width)}${text}` : `  ${left}\n  ${''.padEnd(width)}${text}`));
  return [
    'usage: gatehouse <command> [options]',
    '',
    ...lines,
    '',
    '"gatehouse <command> --help" (or "gatehouse help <command>") lists a command\'s options.',
    "Every command but start and migrate calls the running server's admin API and takes --json",
    '(JSON for scripts): set GATEHOUSE_URL (default http://localhost:$PORT) and',
    'GATEHOUSE_ADMIN_TOKEN (printed at first start). The embedded database admits one process,',
    'so these commands never open it.',
    '',
  ].join('\n');
}

function program(): Command {
  const root = new Command('gatehouse');
  root
    .command('start')
    .description('start the server (embedded database unless DATABASE_URL is set)')
    .action(async () => {
      process.exitCode = await (await import('./server.ts')).start();
    });
  root
    .command('migrate')
    .description('apply database migrations')
    .action(async () => {
      process.exitCode = await (await import('./server.ts')).migrateCommand();
    });
  clientCommands(root);
  keyCommands(root);
  vendorCommands(root);
  organizationCommands(root);
  userCommands(root);
  integrationCommands(root);
  webhookCommands(root);
  auditCommands(root);
  connectorCommands(root);
  connectionCommands(root);
  operatorCommands(root);

  const all = (command: Command): Command[] => [command, ...command.commands.flatMap(all)];
  for (const command of all(root)) {
    command
      .exitOverride()
      .helpCommand(false)
      .configureHelp({
        formatHelp: (cmd, helper) => (cmd === root ? overview(root) : Help.prototype.formatHelp.call(helper, cmd, helper)),
      })
      .configureOutput({
        // "error: unknown option '--x'\n(Did you mean --y?)" becomes one line naming both.
        outputError: (text, write) => write(`gatehouse: ${text.replace(/^error: /, '').replace(/\n\(Did you mean (.+)\?\)/, ' (did you mean $1?)')}`),
      });
    if (command.commands.length === 0 && command !== root) command.usage(synopsis(command));
    if (command !== root) command.showHelpAfterError(`(see "gatehouse ${fullName(command)} --help")`);
  }
  return root;
}

function fullName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export async function run(argv: string[]): Promise<number> {
  // `gatehouse help client create` is `gatehouse client create --help`.
  const args = argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv;
  const root = program();
  if (args.length === 0) {
    process.stderr.write(overview(root));
    return 2;
  }
  try {
    await root.parseAsync(args, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for is a success; help shown because a group was given no subcommand, or any
      // other complaint about the command line, is a usage error.
      return error.code === 'commander.helpDisplayed' || (error.code === 'commander.help' && error.exitCode === 0) ? 0 : 2;
    }
    if (error instanceof CliError) {
      process.stderr.write(`gatehouse: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
