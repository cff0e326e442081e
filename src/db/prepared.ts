// Named prepared statements on PostgreSQL, for the statements every token request sends (a
// refresh rotation, a code exchange: one WITH statement each, see spend-statement.ts). Sent
// unnamed, such a statement is parsed, analysed and planned again on every request, which the
// benchmark measured at about two thirds of the database's CPU time for a refresh; named, the
// server does that once per connection. A statement asks for it by starting with PREPARED (a
// comment, which PostgreSQL ignores). Its name is a digest of its text, so one name never stands
// for two texts, and the set stays as small as the set of such texts. The embedded database
// runs statements as they are.
// Behind PgBouncer in transaction mode, named statements need PgBouncer 1.21 or later with
// max_prepared_statements set (the README says so).
import { hash } from 'node:crypto';
import type pg from 'pg';

export const PREPARED = '/* prepared */ ';

type Query = (this: unknown, ...args: unknown[]) => unknown;

/** Each marked text's name, worked out once: the texts are few, and a refresh should not hash 2 KB of SQL. */
const names = new Map<string, string>();
const nameOf = (text: string) => names.get(text) ?? names.set(text, `gh_${hash('sha256', text, 'base64url').slice(0, 32)}`).get(text)!;

/** Make `client` send the statements marked PREPARED as named prepared statements. */
export function prepareMarked(client: pg.ClientBase): void {
  // The class's query, looked up on every call rather than kept, so that whatever wraps it later
  // (a test or a benchmark counting statements) still sees every statement.
  const prototype = Object.getPrototypeOf(client) as { query: Query };
  const named: Query = (text, values, callback) => {
    if (typeof text !== 'string' || !text.startsWith(PREPARED)) return prototype.query.call(client, text, values, callback);
    return prototype.query.call(client, { name: nameOf(text), text, values }, callback);
  };
  Object.assign(client, { query: named });
}
