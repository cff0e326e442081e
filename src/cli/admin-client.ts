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

export async function call(t: AdminTarget, method: string, path: string, body?: unknown): Promise<any> {
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
  if (response.status === 204) return undefined;
  const text = await response.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) throw new CliError(`${response.status}: ${parsed?.error?.message ?? text}`);
  return parsed;
}
