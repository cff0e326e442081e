// The page a browser gets when a request fails: the site's layout, what happened in words, and
// the way forward for that kind of failure. The error handler calls it for every route whose
// audience is 'page', and for unknown paths a browser asks for.
import { html, noticePage, type Markup } from './layout.ts';

const HOME = html`<a href="/">Gatehouse home</a>`;
const DASHBOARD = html`<a href="/dashboard">your dashboard</a>`;
const SIGN_IN = html`<a href="/login">Sign in</a>`;

const KINDS: Record<number, { title: string; next: Markup }> = {
  400: { title: 'This request could not be used', next: html`Go back and try again, or start again from the application that sent you here. ${HOME}.` },
  401: { title: 'Not signed in', next: html`${SIGN_IN} with your email and password, or open Gatehouse again from your vendor's application.` },
  403: { title: 'Not allowed', next: html`Your account may not do this. Back to ${DASHBOARD}, or ask an owner of your organization.` },
  404: { title: 'Page not found', next: html`Check the address, or go to ${DASHBOARD} or the ${HOME}.` },
  410: { title: 'This link is no longer valid', next: html`It was used already or has expired. Ask for a new link, or ${SIGN_IN}.` },
  413: { title: 'Too much data', next: html`What was sent is larger than this server accepts. Go back and send less.` },
  429: { title: 'Too many requests', next: html`Wait as long as it says, then try again. ${HOME}.` },
  503: { title: 'Temporarily unavailable', next: html`The service is recovering. Try again in a few seconds, or go to the ${HOME}.` },
};
const FALLBACK = { title: 'Something went wrong', next: html`This is a fault on our side, not yours. Try again shortly, or go to the ${HOME}.` };

export function errorPage(status: number, message: string): string {
  const kind = KINDS[status] ?? (status >= 500 ? FALLBACK : KINDS[400]);
  return noticePage(kind.title, message, kind.next, status);
}
