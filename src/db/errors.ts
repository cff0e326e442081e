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
