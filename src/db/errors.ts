// Recognising database errors by SQLSTATE (PGlite and pg report the same codes), never by text.

/** The violated constraint's name when `error` is a unique violation (23505), else undefined. */
export function uniqueViolation(error: unknown): string | undefined {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  if (e?.code !== '23505') return undefined;
  return typeof e.constraint === 'string' ? e.constraint : '';
}

/** True when `error` is a foreign-key violation (23503) or an ON DELETE RESTRICT refusal (23001). */
export function foreignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23503' || code === '23001';
}

/**
 * True when the database refused a text value it cannot store (22021), which only input can
 * cause: PostgreSQL text never holds a NUL character, wherever it arrives from.
 */
export function invalidCharacter(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '22021';
}

/**
 * True when the database refused what a statement carried (SQLSTATE class 22 data exception,
 * 23 integrity violation, 54 program limit): sent again unchanged it fails again, but the rows
 * it held may pass one by one. Anything else (a lost connection, a database that refuses
 * connections, a server shutting down) may pass later as it is.
 */
export function refusedData(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}

/** Thrown where the database (or its signal listener) is known to be away: answered as a 503. */
export class DatabaseUnavailable extends Error {
  constructor(message = 'the database is unavailable') {
    super(message);
    this.name = 'DatabaseUnavailable';
  }
}

// SQLSTATEs of a database that cannot serve now but may soon: class 08 (connection exception),
// 57P01-57P03 (terminated by an administrator, crash shutdown, cannot connect now), 53300 (too
// many connections), 3D000 (the database does not exist yet) and 55000, which is what a database
// with ALLOW_CONNECTIONS false answers.
const AWAY_STATES = /^(08[0-9A-Z]{3}|57P0[123]|53300|3D000|55000)$/;
const AWAY_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
// pg reports a few transport failures with no code at all; these are its messages for them.
const AWAY_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly)/;

/** True when `error` means the database could not be reached or went away mid-statement. */
export function databaseAway(error: unknown): boolean {
  if (error instanceof DatabaseUnavailable) return true;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && (AWAY_STATES.test(e.code) || AWAY_ERRNOS.has(e.code))) return true;
  if (typeof e.message === 'string' && AWAY_MESSAGES.test(e.message)) return true;
  // Node reports a refused connection to a name with several addresses as an AggregateError.
  return Array.isArray(e.errors) && e.errors.some(databaseAway);
}
