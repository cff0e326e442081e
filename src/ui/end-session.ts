// The pages of the end-session endpoint (OpenID Connect RP-Initiated Logout): asking the
// signed-in person whether to sign out, when the request alone cannot say it came from an
// application they use, and saying they are signed out when the application gave no way back.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EndSessionPages, LogoutPrompt } from '../oauth/end-session.ts';
import { DASHBOARD_PATH, END_SESSION_PATH, LOGIN_PATH } from '../http/paths.ts';
import type { Services } from '../services.ts';
import { html } from './layout.ts';
import { allowFormTargets, csrfField, sendPage } from './forms.ts';

function confirm(services: Services, request: FastifyRequest, reply: FastifyReply, prompt: LogoutPrompt): FastifyReply {
  // The form's answer redirects to the application: the page's form-action must allow it.
  if (prompt.postLogoutRedirectUri) allowFormTargets(reply, [prompt.postLogoutRedirectUri]);
  const hidden = Object.entries(prompt.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return sendPage(
    reply,
    200,
    'Sign out?',
    html`
<h1>Sign out of Gatehouse?</h1>
<form class="card" method="post" action="${END_SESSION_PATH}">${csrfField(request, reply, services)}${hidden}
${
  prompt.clientName
    ? html`<p><strong id="client-name">${prompt.clientName}</strong> asks to sign you out of Gatehouse.</p>`
    : html`<p>A page asks to sign you out of Gatehouse.</p>`
}
<p class="muted">Signed in as ${prompt.email}.${prompt.postLogoutRedirectUri ? html` Afterwards you will be sent to ${hostOf(prompt.postLogoutRedirectUri)}.` : ''}</p>
<p><button type="submit">Sign out</button> <a href="${DASHBOARD_PATH}">Stay signed in</a></p>
</form>`,
  );
}

function hostOf(uri: string): string {
  const url = new URL(uri);
  return url.host || uri;
}

function signedOut(reply: FastifyReply, clientName: string | undefined): FastifyReply {
  return sendPage(
    reply,
    200,
    'Signed out',
    html`
<h1>You are signed out</h1>
<div class="card">
<p>You are signed out of Gatehouse${clientName ? html`, as <strong>${clientName}</strong> asked` : ''}. You can close this window.</p>
<p><a href="${LOGIN_PATH}">Sign in again</a></p>
</div>`,
  );
}

export const endSessionPages: EndSessionPages = { confirm, signedOut };
