// Counts the statements a benchmark server sends its database, the round trips a request costs:
// every query of every pg client in the process (pools included), or, on the embedded database,
// every query and exec of the PGlite instance, with BEGIN and COMMIT for each transaction.
// Servers answer the count on their control port (GET /statements), with the CPU time they used
// (lib/cpu.ts).
import type { PGlite, Transaction } from '@electric-sql/pglite';
import pg from 'pg';

let statements = 0;

/** Start counting; pass the PGlite instance when the server runs on one. */
export function countStatements(pglite?: PGlite): () => number {
  const query = Reflect.get(pg.Client.prototype, 'query') as (this: pg.Client, ...args: unknown[]) => unknown;
  Reflect.set(pg.Client.prototype, 'query', function (this: pg.Client, ...args: unknown[]) {
    statements++;
    return query.apply(this, args);
  });
  if (pglite) {
    const counted = <T extends PGlite | Transaction>(target: T): T => {
      type Run = (...args: unknown[]) => Promise<unknown>;
      const run = target.query.bind(target) as Run;
      const exec = target.exec.bind(target) as Run;
      return Object.assign(target, {
        query: (...args: unknown[]) => (statements++, run(...args)),
        exec: (...args: unknown[]) => (statements++, exec(...args)),
      });
    };
    counted(pglite);
    const transaction = pglite.transaction.bind(pglite);
    pglite.transaction = (work) => {
      statements += 2; // BEGIN, and COMMIT or ROLLBACK
      return transaction((tx) => work(counted(tx)));
    };
  }
  return () => statements;
}
