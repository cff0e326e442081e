// Retry-After as another server sends it (RFC 9110 §10.2.3): a vendor's 429 or 503 to the
// connector proxy, a webhook receiver's refusal. Either delay-seconds (1*DIGIT) or an HTTP-date
// (§5.6.7), which recipients must accept in all three of its forms. Anything else is no advice.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (the form senders must use).
const IMF = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
// Obsolete RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT".
const RFC850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
// Obsolete asctime: "Sun Nov  6 08:49:37 1994" (UTC, though it does not say so).
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

function utc(year: number, month: string, day: number, h: string, m: string, s: string): number | undefined {
  const time = Date.UTC(year, MONTHS.indexOf(month), day, Number(h), Number(m), Number(s));
  const back = new Date(time);
  // "31 Feb" and "25:00:00" are not dates.
  if (back.getUTCDate() !== day || back.getUTCHours() !== Number(h) || back.getUTCMinutes() !== Number(m)) return undefined;
  return time;
}

function httpDate(value: string, now: number): number | undefined {
  let match = IMF.exec(value);
  if (match) return utc(Number(match[3]), match[2], Number(match[1]), match[4], match[5], match[6]);
  match = RFC850.exec(value);
  if (match) {
    // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is in the past century.
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + Number(match[3]);
    if (year > thisYear + 50) year -= 100;
    return utc(year, match[2], Number(match[1]), match[4], match[5], match[6]);
  }
  match = ASCTIME.exec(value);
  if (match) return utc(Number(match[6]), match[1], Number(match[2].trim()), match[3], match[4], match[5]);
  return undefined;
}

/** How long the vendor asks to wait, in ms (0 for a date already past); undefined when it gives no valid advice. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  // A repeated field is a list (RFC 9110 §5.3); Retry-After is a single value, so only one is meaningful.
  const values = Array.isArray(header) ? header : [header];
  if (values.length !== 1) return undefined;
  const value = values[0].trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value), 1e9) * 1000;
  const at = httpDate(value, now);
  return at === undefined ? undefined : Math.max(0, at - now);
}
