// The example vendor app: one page and the endpoint behind its button.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatehouseClient, GatehouseError } from '@gatehouse/client';
import { loadSettings } from './config.ts';
import { EnrolmentService } from './enrol.ts';
import { integrationPage } from './page.ts';
import { Store } from './store.ts';

const settings = loadSettings();
const gatehouse = new GatehouseClient({
  baseUrl: settings.gatehouseUrl,
  clientId: settings.clientId,
  clientSecret: settings.clientSecret,
  vendorId: settings.vendorId,
  vendorApiKey: settings.vendorApiKey,
});
const enrolments = new EnrolmentService(gatehouse, new Store(settings.stateFile), {
  createIntegration: Boolean(settings.vendorId && settings.vendorApiKey),
});

function send(res: ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-frame-options': 'DENY' });
  res.end(body);
}

async function enrol(req: IncomingMessage, res: ServerResponse) {
  // Only this page's own script may enrol: a JSON body cannot be sent cross-site without a
  // preflight, and browsers mark the request's origin in Sec-Fetch-Site.
  const site = req.headers['sec-fetch-site'];
  if (!String(req.headers['content-type']).startsWith('application/json') || (site !== undefined && site !== 'same-origin')) {
    return send(res, 403, 'application/json', JSON.stringify({ message: 'cross-site request refused' }));
  }
  try {
    const redirectUrl = await enrolments.enrol(settings.partner);
    send(res, 200, 'application/json', JSON.stringify({ redirectUrl }));
  } catch (error) {
    const message = error instanceof GatehouseError ? `Gatehouse answered ${error.status} ${error.code}: ${error.message}` : (error as Error).message;
    console.error('enrolment failed:', message);
    send(res, 502, 'application/json', JSON.stringify({ message }));
  }
}

const server = createServer((req, res) => {
  const route = `${req.method} ${req.url?.split('?')[0]}`;
  if (route === 'GET /') return send(res, 200, 'text/html; charset=utf-8', integrationPage(settings.partner));
  if (route === 'POST /enrol') return void enrol(req, res);
  send(res, 404, 'text/plain', 'not found');
});

server.listen(settings.port, settings.host, () => {
  const { port } = server.address() as AddressInfo;
  console.log(`Example vendor app listening on http://${settings.host}:${port}/`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
