// Support for the webhook tests: a real HTTP receiver on loopback, an organization with an MSP
// token, and waiting for the database to reach a state.
import http from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Gatehouse } from '../src/app.ts';
import { createClient } from './helpers.ts';
import { createOrganization, createVendor } from './oem-helpers.ts';

/** Loopback receivers need this (the SSRF guard refuses loopback otherwise). */
export const LOOPBACK = { GATEHOUSE_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8' };

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export type Responder = (request: Received, index: number) => { status: number; headers?: Record<string, string>; body?: string } | Promise<{ status: number; headers?: Record<string, string>; body?: string }>;

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
    url: '', received, respond,
    async waitFor(count, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${received.length} of ${count} requests in ${ms} ms`);
        await sleep(10);
      }
      return received;
    },
    close: () => new Promise((resolve) => {
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

/**
 * An organization and a token for it with scope webhooks:manage, issued to its owner the way an
 * authorization server binds a token to a user.
 */
export async function mspSetup(g: Gatehouse) {
  const vendor = await createVendor(g);
  const { organizationId, organizationOemToken } = await createOrganization(g, vendor);
  const owner = (await g.services.organizations.users(organizationId)).find((u) => u.role === 'owner')!;
  const created = await createClient(g, { name: 'MSP app', grant_types: ['client_credentials'], scopes: ['webhooks:manage'], token_format: 'opaque' });
  const client = await g.services.clients.get(created.client_id);
  const { token } = await g.services.tokens.issue({ client, subject: owner.id, scope: 'webhooks:manage', ttl: 3600 });
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
