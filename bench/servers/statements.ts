// Counts the statements a benchmark server sends its database, the round trips a request costs:
// every query of every pg client in the process (pools included), or, on the embedded database,
// every query and exec of the PGlite instance, with BEGIN and COMMIT for each transaction.
// Servers answer the count on their control port (GET /statements).
import type { PGlite, Transaction } from '@electric-sql/pglite';
import pg from 'pg';

let statements = 0;

/** Start counting; pass the PGlite instance when the server runs on one. */
export function countStatements(pglite?: PGlite): () => number {
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  if (pglite) {
    const counted = <T extends PGlite | Transaction>(target: T): T => {
      const { query: run, exec } = target;
      return Object.assign(target, {
        query: (...args: Parameters<T['query']>) => (statements++, run.apply(target, args)),
        exec: (...args: Parameters<T['exec']>) => (statements++, exec.apply(target, args)),
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
