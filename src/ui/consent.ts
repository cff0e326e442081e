// The consent page: names the client and each scope it asks for, with Allow and Deny. The
// form carries the authorization request back unchanged; the decision endpoint validates it
// again from scratch, so editing the hidden fields gains nothing.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CARRIED, type AuthorizationRequest, type RawParams } from '../oauth/authorize/request.ts';
import { DECISION_PATH } from '../http/paths.ts';
import type { Services } from '../services.ts';
import { html } from './layout.ts';
import { allowFormTargets, csrfField, sendPage } from './forms.ts';

const DESCRIPTIONS: Record<string, string> = {
  'webhooks:manage': "Manage your organization's webhook subscriptions",
  read: 'Read your data',
  write: 'Change your data',
};

export function consentPage(services: Services, request: FastifyRequest, reply: FastifyReply, authz: AuthorizationRequest, params: RawParams, email: string) {
  allowFormTargets(reply, [authz.redirectUri]);
  const scopes = authz.scope.split(' ').filter(Boolean);
  const hidden = CARRIED.filter((name) => typeof params[name] === 'string').map(
    (name) => html`<input type="hidden" name="${name}" value="${params[name] as string}">`,
  );
  return sendPage(
    reply,
    200,
    `Allow ${authz.client.name}?`,
    html`
<h1>Allow <span id="client-name">${authz.client.name}</span> to access your account?</h1>
<form class="card" method="post" action="${DECISION_PATH}">${csrfField(request, reply, services)}${hidden}
<p><strong>${authz.client.name}</strong> is asking to:</p>
${
  scopes.length === 0
    ? html`<p class="muted">Know who you are (no further access).</p>`
    : html`
<ul id="scopes">${scopes.map((s) => html`<li><code>${s}</code>${DESCRIPTIONS[s] ? html` (${DESCRIPTIONS[s]})` : ''}</li>`)}</ul>`
}
<p class="muted">Signed in as ${email}. You will be sent to ${new URL(authz.redirectUri).host || authz.redirectUri}.</p>
<p><button type="submit" name="decision" value="allow">Allow</button> <button type="submit" name="decision" value="deny">Deny</button></p>
</form>`,
  );
}
