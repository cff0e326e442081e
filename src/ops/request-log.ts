// One log line per request, written when the response is sent: method, redacted URL, status,
// duration, request id, the caller's address and, when the request authenticated one, the
// client. It replaces Fastify's two lines (arrival and completion) through its LogController;
// the arrival is still logged at debug level, for following a request that never answers.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { redactUrl } from '../logger.ts';

function line(request: FastifyRequest, reply: FastifyReply) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 100) / 100,
    remoteAddress: request.ip,
    ...(request.clientId ? { clientId: request.clientId } : {}),
  };
}

export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest) {
    request.log.debug({ method: request.method, url: redactUrl(request.url), remoteAddress: request.ip }, 'incoming request');
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply) {
    if (error) reply.log.error({ ...line(request, reply), err: error }, 'request errored');
    else reply.log.info(line(request, reply), 'request completed');
  }

  /** The completion line names the URL (redacted) and the 404 already. */
  override routeNotFound() {}
}
