// The header rules shared by every place that lets an operator or an organization name a header
// Gatehouse will send (a webhook's static header, a connector's extra headers and token header).

/** RFC 9110 §5.6.2: a field name is a token. */
export const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Headers that describe the message framing or the connection rather than the request (RFC 9110
 * §7.6.1), which Gatehouse or the HTTP client sets itself: nobody may override them.
 */
export const SET_BY_GATEHOUSE: ReadonlySet<string> = new Set([
  'host',
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
]);
