// The token endpoint (RFC 6749 §4.4, client credentials), authenticated with HTTP Basic as
// §2.3.1 describes: each half form-urlencoded before joining.
import type { Transport } from './transport.ts';
import type { TokenResponse } from './types.ts';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export function requestClientCredentialsToken(
  transport: Transport,
  credentials: ClientCredentials,
  scope?: string,
  signal?: AbortSignal,
): Promise<TokenResponse> {
  const form: Record<string, string> = { grant_type: 'client_credentials' };
  if (scope) form.scope = scope;
  return transport.request<TokenResponse>({
    method: 'POST',
    path: '/oauth/token',
    form,
    headers: { authorization: basicAuthorization(credentials) },
    signal,
  });
}

function basicAuthorization({ clientId, clientSecret }: ClientCredentials): string {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  // Form-encoding leaves only ASCII, which btoa takes as it is.
  return `Basic ${btoa(`${encode(clientId)}:${encode(clientSecret)}`)}`;
}
