// The CLI talks to a running server's admin API (PGlite admits one process, so the CLI never
// opens the database while the server runs).
export class CliError extends Error {}

export interface AdminTarget {
  url: string;
  token: string;
}

export function target(env: Record<string, string | undefined> = process.env): AdminTarget {
  const url = (env.GATEHOUSE_URL || `http://localhost:${env.PORT || 3000}`).replace(/\/+$/, '');
  const token = env.GATEHOUSE_ADMIN_TOKEN;
  if (!token) throw new CliError('GATEHOUSE_ADMIN_TOKEN is not set: export the admin token printed at first start');
  return { url, token };
}

/**
 * One admin API call. `T` names the fields the caller prints; the CLI does not check the answer's
 * shape, the server's response schema does.
 */
export async function call<T = Record<string, unknown>>(t: AdminTarget, method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${t.url}/admin/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${t.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new CliError(`cannot reach Gatehouse at ${t.url}: is it running? (set GATEHOUSE_URL)`);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) throw new CliError(`${response.status}: ${errorMessage(parsed) ?? text}`);
  return parsed as T;
}

/** The admin API's `{error: {message}}`, when the answer has one. */
function errorMessage(answer: unknown): string | undefined {
  const message = (answer as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' ? message : undefined;
}
