// Support for the webhook tests: a real HTTP receiver on loopback, an organization with an MSP
// token, and waiting for the database to reach a state.
import http from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Gatehouse } from '../src/app.ts';
import { createClient } from './helpers.ts';
import { Browser, PASSWORD, authorize } from './interactive-helpers.ts';
import { createOrganization, createVendor, organizationData } from './oem-helpers.ts';

/** Loopback receivers need this (the SSRF guard refuses loopback otherwise). */
export const LOOPBACK = { GATEHOUSE_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8' };

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What a receiver answers; a Buffer body is sent byte for byte (NUL bytes, invalid UTF-8). */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type Responder = (request: Received, index: number) => Answer | Promise<Answer>;

export interface Receiver {
  url: string;
  received: Received[];
  respond: Responder;
  /** Resolves once `count` requests have arrived (or rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(respond: Responder = () => ({ status: 204 })): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = {
    url: '',
    received,
    respond,
    async waitFor(count, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${received.length} of ${count} requests in ${ms} ms`);
        await sleep(10);
      }
      return received;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const entry = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
    received.push(entry);
    const answer = await receiver.respond(entry, received.length - 1);
    res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks`;
  return receiver;
}

export const MSP_REDIRECT = 'https://msp-app.example/accounts/login/';

/**
 * An organization whose owner has a password, an MSP app (a public client with the implicit
 * grant), and the app's non-expiring token got the way seed 002 describes: the owner signs in,
 * consents, and the token comes back in the redirect's fragment.
 */
export async function mspSetup(g: Gatehouse, scopes: string[] = ['webhooks:manage']) {
  const vendor = await createVendor(g);
  const data = organizationData();
  const { organizationId, organizationOemToken } = await createOrganization(g, vendor, data);
  const owner = (await g.services.organizations.users(organizationId)).find((u) => u.role === 'owner')!;
  await g.services.accounts.setPassword(owner.id, PASSWORD);
  const app = await createClient(g, {
    name: 'MSP app',
    type: 'public',
    grant_types: ['implicit'],
    allow_implicit: true,
    scopes,
    redirect_uris: [MSP_REDIRECT],
    token_format: 'opaque',
  });
  const browser = new Browser(g);
  const signedIn = await browser.login(String(data.email), PASSWORD);
  if (signedIn.statusCode !== 303) throw new Error(`login failed: ${signedIn.statusCode}`);
  const url = await authorize(browser, { response_type: 'token', client_id: app.client_id, redirect_uri: MSP_REDIRECT, state: 'msp' });
  const fragment = new URLSearchParams(url.hash.slice(1));
  const token = fragment.get('access_token');
  if (!token || fragment.get('token_type') !== 'bearer' || fragment.has('expires_in')) throw new Error(`no non-expiring token in ${url.href}`);
  return { vendor, organizationId, organizationOemToken, owner, token, auth: { authorization: `Bearer ${token}` } };
}

/** Create a subscription through the MSP API; returns its id and secret. */
export async function subscribe(g: Gatehouse, auth: Record<string, string>, body: Record<string, unknown>) {
  const res = await g.app.inject({ method: 'POST', url: '/api/msp/v1/webhooks', headers: auth, payload: body });
  if (res.statusCode !== 201) throw new Error(`subscribe failed: ${res.statusCode} ${res.body}`);
  return res.json() as { webhook_id: string; secret: string; status: string };
}

/** Poll `check` until it returns something truthy. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(20);
  }
}
