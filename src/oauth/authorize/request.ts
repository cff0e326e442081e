// Validating an authorization request (RFC 6749 §4.1.1 and §4.2.1), in the order that keeps
// the endpoint from being an open redirector: client_id and redirect_uri first, and while
// either is in doubt nothing is sent anywhere (RFC 6749 §4.1.2.1, RFC 9700 §4.1.1). Only then
// are other errors reported to the client, at its redirect URI.
import type { Client, Clients } from '../../clients/clients.ts';
import type { Sealer } from '../../crypto.ts';
import { AppError } from '../../errors.ts';
import { IDENTITY_SCOPES, isOpenId } from '../claims.ts';
import type { IdTokenHint, IdTokens } from '../id-tokens.ts';
import { CHALLENGE } from '../pkce.ts';
import { grantedScope } from '../scope.ts';

type ResponseType = 'code' | 'token';
type ResponseMode = 'query' | 'fragment';

export interface AuthorizationRequest {
  client: Client;
  redirectUri: string;
  redirectUriSent: boolean;
  responseType: ResponseType;
  responseMode: ResponseMode;
  scope: string;
  state: string | undefined;
  codeChallenge: string | undefined;
  /** OpenID Connect (OIDC Core §3.1.2.1); all empty for a plain OAuth request. */
  openid: OpenIdParams;
}

type Prompt = 'none' | 'login' | 'consent' | 'select_account';

interface OpenIdParams {
  nonce: string | undefined;
  prompt: ReadonlySet<Prompt>;
  /** Seconds: the user must have signed in no longer ago than this. */
  maxAge: number | undefined;
  /** Prefills the sign-in form's email. */
  loginHint: string | undefined;
  idTokenHint: IdTokenHint | undefined;
  /**
   * Epoch seconds: set by this server when it sends the user to sign in again (prompt=login,
   * max_age); a session begun since then satisfies those, so the request does not loop.
   */
  loginAfter: number | undefined;
}

/** Where an error may be sent once the client and redirect URI are known to be good. */
export interface ReplyTarget {
  redirectUri: string;
  responseMode: ResponseMode;
  state: string | undefined;
}

/** Unknown client or unregistered redirect URI: shown to the user, never redirected. */
export class ConfigurationMismatch extends AppError {
  constructor(message: string) {
    super('configuration_mismatch', message);
  }
}

/** The RFC 6749 §4.1.2.1 codes this endpoint redirects with. */
export type AuthorizationErrorKind =
  | 'invalid_request'
  | 'invalid_scope'
  | 'unauthorized_client'
  | 'unsupported_response_type'
  // OIDC Core §3.1.2.6
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'request_not_supported'
  | 'request_uri_not_supported';

/** An error the client should hear about (RFC 6749 §4.1.2.1), at its redirect URI. */
export class AuthorizationError extends AppError {
  readonly target: ReplyTarget;
  constructor(kind: AuthorizationErrorKind, message: string, target: ReplyTarget) {
    super(kind, message);
    this.target = target;
  }
}

export type RawParams = Record<string, unknown>;

/** The authorization parameters a decision form carries back. */
export const CARRIED = [
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'nonce',
  'prompt',
  'max_age',
  'login_hint',
  'id_token_hint',
  'ui_locales',
  'login_after',
];

const PROMPTS: readonly Prompt[] = ['none', 'login', 'consent', 'select_account'];
/**
 * The login_after mark for a request of `clientId`: sealed, so that no one can write a mark of
 * their own that an older sign-in would satisfy (OIDC Core §3.1.2.1: prompt=login and max_age
 * ask for a new sign-in, and a made-up mark must not spare one).
 */
export function sealMark(sealer: Pick<Sealer, 'seal'>, clientId: string, at = Math.floor(Date.now() / 1000)): string {
  return sealer.seal(`${at} ${clientId}`);
}

function openMark(sealer: Pick<Sealer, 'open'>, mark: string | undefined, clientId: string): number | undefined {
  if (mark === undefined || mark.length > 500) return undefined;
  let opened: string;
  try {
    opened = sealer.open(mark);
  } catch {
    return undefined;
  }
  const [at, forClient] = opened.split(' ');
  return forClient === clientId && /^\d{1,12}$/.test(at) ? Number(at) : undefined;
}

/** How long a login_after mark stays good: after that it is ignored and the sign-in asked for again. */
const LOGIN_AFTER_WINDOW_SECONDS = 3600;
const NONCE_MAX = 512;

/** A parameter's single value; `repeated` when it was sent more than once (RFC 6749 §3.1). */
function single(params: RawParams, name: string): string | undefined | { repeated: true } {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  return { repeated: true };
}

/** Steps 1 and 2: the client and where it wants the answer. Throws ConfigurationMismatch. */
export async function identifyClient(params: RawParams, clients: Clients): Promise<{ client: Client; redirectUri: string; redirectUriSent: boolean }> {
  const clientId = single(params, 'client_id');
  if (clientId === undefined) throw new ConfigurationMismatch('The request names no client (client_id is missing).');
  if (typeof clientId !== 'string') throw new ConfigurationMismatch('client_id was sent more than once.');
  const client = clientId.length <= 200 ? await clients.find(clientId) : undefined;
  if (!client) throw new ConfigurationMismatch('The application that sent you here is not registered with Gatehouse (unknown client_id).');
  const sent = single(params, 'redirect_uri');
  if (typeof sent === 'object') throw new ConfigurationMismatch('redirect_uri was sent more than once.');
  if (sent === undefined) {
    // RFC 6749 §3.1.2.3: it may be omitted only when exactly one is registered.
    if (client.redirect_uris.length !== 1) throw new ConfigurationMismatch('The request has no redirect_uri and the application has more than one registered.');
    return { client, redirectUri: client.redirect_uris[0], redirectUriSent: false };
  }
  // RFC 9700 §4.1.3: exact string matching, nothing looser.
  if (!client.redirect_uris.includes(sent)) throw new ConfigurationMismatch('The redirect_uri in the request is not registered for this application.');
  return { client, redirectUri: sent, redirectUriSent: true };
}

/** Validate the whole request. Throws ConfigurationMismatch, then AuthorizationError. */
/** What the authorization endpoint reads requests with. */
export interface RequestReaders {
  clients: Clients;
  idTokens: IdTokens;
  /** Opens the login_after marks this server seals (AES-256-GCM: a changed or made-up one does not open). */
  sealer: Pick<Sealer, 'open'>;
}

export async function parseAuthorizationRequest(params: RawParams, { clients, idTokens, sealer }: RequestReaders): Promise<AuthorizationRequest> {
  const { client, redirectUri, redirectUriSent } = await identifyClient(params, clients);
  const state = single(params, 'state');
  const responseType = single(params, 'response_type');
  const target: ReplyTarget = {
    redirectUri,
    // RFC 6749 §4.2.2.1: implicit-grant answers, errors included, travel in the fragment.
    responseMode: responseType === 'token' ? 'fragment' : 'query',
    state: typeof state === 'string' ? state : undefined,
  };
  // Declared with its type so that TypeScript narrows after each call.
  const fail: (kind: AuthorizationErrorKind, message: string) => never = (kind, message) => {
    throw new AuthorizationError(kind, message, target);
  };
  for (const name of CARRIED) {
    if (typeof single(params, name) === 'object') fail('invalid_request', `${name} must not be sent more than once`);
  }
  // OIDC Core §6: request objects are not supported, and say so with their own error codes.
  if (params.request !== undefined) fail('request_not_supported', 'the request parameter (a request object) is not supported: send the parameters themselves');
  if (params.request_uri !== undefined) fail('request_uri_not_supported', 'the request_uri parameter is not supported: send the parameters themselves');
  // OIDC Core §5.5: optional for the provider; discovery says claims_parameter_supported false.
  if (params.claims !== undefined)
    fail('invalid_request', 'the claims parameter is not supported: ask for claims with the profile, email and organization scopes');
  // A repeated response_type failed above, so what is not text here was not sent.
  if (typeof responseType !== 'string') fail('invalid_request', 'response_type is required');
  if (responseType !== 'code' && responseType !== 'token') fail('unsupported_response_type', `response_type "${responseType}" is not supported (use code)`);
  const type: ResponseType = responseType;
  const mode = single(params, 'response_mode') as string | undefined;
  if (mode !== undefined && mode !== target.responseMode && !(type === 'code' && mode === 'fragment')) {
    // RFC 9700 §2.1.2: tokens never travel in a query string.
    fail('invalid_request', `response_mode "${mode}" is not supported for response_type ${type}`);
  }
  if (mode === 'fragment') target.responseMode = 'fragment';
  if (type === 'code' && !client.grant_types.includes('authorization_code'))
    fail('unauthorized_client', 'this client may not use the authorization code grant');
  if (type === 'token' && !client.allow_implicit) fail('unauthorized_client', 'this client may not use the implicit grant');
  let scope = '';
  try {
    const requested = single(params, 'scope') as string | undefined;
    // The identity scopes come with the authorization-code grant; an omitted scope still means
    // the client's own allowance only (OIDC Core §3.1.2.1: openid must be asked for).
    const allowed = type === 'code' && requested !== undefined ? [...new Set([...client.scopes, ...IDENTITY_SCOPES])] : client.scopes;
    scope = grantedScope(requested, allowed);
  } catch (error) {
    fail('invalid_scope', (error as Error).message);
  }
  // The implicit grant stays OAuth-only (seed 002): it has no way to return an ID Token here.
  if (type === 'token' && isOpenId(scope)) fail('invalid_scope', 'scope openid needs response_type=code: the implicit grant issues no ID Token');
  const codeChallenge = type === 'code' ? pkce(params, client, fail) : undefined;
  const openid = openIdParams(params, client, idTokens, sealer, fail);
  return { client, redirectUri, redirectUriSent, responseType: type, responseMode: target.responseMode, scope, state: target.state, codeChallenge, openid };
}

/** OIDC Core §3.1.2.1's optional parameters. They apply to plain OAuth requests too (prompt=none is useful to both). */
function openIdParams(
  params: RawParams,
  client: Client,
  idTokens: IdTokens,
  sealer: Pick<Sealer, 'open'>,
  fail: (kind: AuthorizationErrorKind, message: string) => never,
): OpenIdParams {
  const text = (name: string) => single(params, name) as string | undefined;
  const nonce = text('nonce');
  if (nonce !== undefined && nonce.length > NONCE_MAX) fail('invalid_request', `nonce must be at most ${NONCE_MAX} characters`);
  const prompt = new Set<Prompt>();
  for (const value of (text('prompt') ?? '').split(' ').filter(Boolean)) {
    if (!(PROMPTS as readonly string[]).includes(value))
      fail('invalid_request', `prompt "${value}" is not supported (use none, login, consent or select_account)`);
    prompt.add(value as Prompt);
  }
  // §3.1.2.1: none with any other value is an error.
  if (prompt.has('none') && prompt.size > 1) fail('invalid_request', 'prompt=none cannot be combined with other prompt values');
  const maxAgeText = text('max_age');
  if (maxAgeText !== undefined && !/^\d{1,9}$/.test(maxAgeText)) fail('invalid_request', 'max_age must be a whole number of seconds');
  const loginHint = text('login_hint');
  if (loginHint !== undefined && loginHint.length > 320) fail('invalid_request', 'login_hint must be at most 320 characters');
  let idTokenHint: IdTokenHint | undefined;
  const hint = text('id_token_hint');
  if (hint !== undefined) {
    idTokenHint = idTokens.readHint(hint);
    if (!idTokenHint) fail('invalid_request', 'id_token_hint is not an ID Token issued by this server');
    if (!idTokenHint.audience.includes(client.id)) fail('invalid_request', 'id_token_hint was issued to another client');
  }
  const now = Math.floor(Date.now() / 1000);
  const loginAfter = openMark(sealer, text('login_after'), client.id);
  return {
    nonce,
    prompt,
    maxAge: maxAgeText === undefined ? undefined : Number(maxAgeText),
    loginHint,
    idTokenHint,
    // A mark from the future or too far in the past is not ours (or has gone stale): ignored.
    loginAfter: loginAfter !== undefined && loginAfter <= now && now - loginAfter <= LOGIN_AFTER_WINDOW_SECONDS ? loginAfter : undefined,
  };
}

/** RFC 7636 with S256 only; required of public clients (RFC 9700 §2.1.1). */
function pkce(params: RawParams, client: Client, fail: (kind: AuthorizationErrorKind, message: string) => never): string | undefined {
  const challenge = single(params, 'code_challenge') as string | undefined;
  const method = single(params, 'code_challenge_method') as string | undefined;
  if (challenge === undefined) {
    if (method !== undefined) fail('invalid_request', 'code_challenge_method was sent without code_challenge');
    if (client.type === 'public') fail('invalid_request', 'code_challenge is required (PKCE with S256) for public clients');
    return undefined;
  }
  // RFC 7636 §4.3: an absent method means "plain", which is refused.
  if (method !== 'S256') fail('invalid_request', 'code_challenge_method must be S256 (plain is not supported)');
  if (!CHALLENGE.test(challenge)) fail('invalid_request', 'code_challenge must be the 43-character base64url SHA-256 of the code_verifier');
  return challenge;
}

/** The redirect carrying a response (or error) to the client, with iss (RFC 9207 §2). */
export function replyUrl(target: ReplyTarget, issuer: string, values: Record<string, string | undefined>): string {
  const url = new URL(target.redirectUri);
  const entries: [string, string][] = [];
  for (const [k, v] of Object.entries({ ...values, state: target.state, iss: issuer })) if (v !== undefined) entries.push([k, v]);
  if (target.responseMode === 'fragment') {
    url.hash = new URLSearchParams(entries).toString();
  } else {
    // RFC 6749 §3.1.2: a query component of the registered URI is kept.
    for (const [k, v] of entries) url.searchParams.append(k, v);
  }
  return url.toString();
}
