// The browser-facing paths that more than one part of Gatehouse names: the pages link to the
// protocol endpoints and back, the accounts services put the one-time link paths into emails,
// and the logger redacts the tokens in them. They live here, importing nothing, so that none of
// those parts has to import another's routes to learn a path.

export const LOGIN_PATH = '/login';
export const DASHBOARD_PATH = '/dashboard';
export const AUTHORIZE_PATH = '/oauth/authorize';
export const DECISION_PATH = '/oauth/authorize/decision';
export const USERINFO_PATH = '/oauth/userinfo';
/** OpenID Connect RP-Initiated Logout 1.0 §2: the OP's end_session_endpoint. */
export const END_SESSION_PATH = '/oauth/end-session';
export const LOGIN_LINK_PATH = '/login-link';
export const PASSWORD_LINK_PATH = '/password/set';
export const CONSOLE_PATH = '/console';
/** An operator's one-time set-password link (the console's own, apart from users' links). */
export const CONSOLE_PASSWORD_PATH = '/console/password';

/** The sign-in page, coming back to `returnTo` (a local path) once signed in. */
export const signInUrl = (returnTo: string) => `${LOGIN_PATH}?return_to=${encodeURIComponent(returnTo)}`;
