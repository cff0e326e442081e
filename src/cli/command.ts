// What every command of the CLI shares: how one that calls the running server is declared, how
// its result is printed (a readable table or fields, or JSON with --json), and option parsers.
import { type Command, InvalidArgumentError, type OptionValues } from 'commander';
import { target, type AdminTarget } from './admin-client.ts';

const SERVER_NOTE = `
Calls the running server's admin API: GATEHOUSE_URL (default http://localhost:$PORT) and
GATEHOUSE_ADMIN_TOKEN (the admin token printed at first start) must be set.`;

/** An object of an admin API answer, as the CLI prints it: field by field, whatever the types. */
export type Shown = Record<string, unknown>;
/** An answer that lists objects under one key (`clients`, `vendors`, ...). */
export type Listed<K extends string, T = Shown> = Record<K, T[]>;

export interface Call {
  t: AdminTarget;
  /** The command's positional arguments, in order. */
  args: string[];
  opts: OptionValues;
}

/** A subcommand that calls the admin API: it takes --json and its help says what it needs. */
export function adminCommand(parent: Command, nameAndArgs: string, description: string): Command {
  return parent.command(nameAndArgs).description(description).option('--json', 'print JSON (for scripts)').addHelpText('after', SERVER_NOTE);
}

/**
 * The action of such a command: `run` returns what the API answered, `human` turns it into
 * text; with --json the answer is printed as it came.
 */
export function handle<R>(run: (call: Call) => Promise<R>, human: (result: R, call: Call) => string) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const call: Call = { t: target(), args: command.processedArgs as string[], opts: command.opts() };
    const result = await run(call);
    process.stdout.write(`${call.opts.json ? JSON.stringify(result, null, 2) : human(result, call)}\n`);
  };
}

/** A printed value: strings as they are, other scalars as `String` gives them, objects as JSON. */
function printable(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** Rows under a header, columns padded to the widest cell; `empty` when there are no rows. */
export function table(header: string[], rows: unknown[][], empty: string): string {
  if (rows.length === 0) return empty;
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : printable(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `name:  value` lines, aligned; null and undefined values print as "-", arrays space-separated. */
export function fields(pairs: [string, unknown][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 2;
  const show = (v: unknown) => (v === null || v === undefined ? '-' : Array.isArray(v) ? v.map(printable).join(' ') || '(none)' : printable(v));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width)}${show(v)}`).join('\n');
}

/** Space- or comma-separated words, as the --scopes and --grant-types options take them. */
export function words(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean);
}

/** An option parser for a whole number, naming the option when the value is not one. */
export function wholeNumber(option: string, what = 'a whole number') {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${option} must be ${what}`);
    return Number(value);
  };
}

/** `?a=1&b=2` from the options that are set, or an empty string. */
export function query(values: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined) q.set(key, String(value));
  return q.size ? `?${q.toString()}` : '';
}

export const id = (value: string) => encodeURIComponent(value);
