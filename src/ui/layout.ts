// Server-rendered pages. `html` escapes every interpolated value unless it is itself markup
// built by `html`, so nothing a vendor or user typed can inject markup.
import { escapeHtml } from '../errors.ts';

export class Markup {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** What a page may interpolate: text and numbers are escaped, markup goes in as it is. */
type Interpolated = Markup | string | number | boolean | null | undefined | readonly Interpolated[];

function render(value: Interpolated): string {
  if (value instanceof Markup) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolated[]): Markup {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Markup(out);
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:60rem;margin:2rem auto;padding:0 1rem}header{background:#1d2330;color:#fff;padding:.75rem 1rem}
table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:2rem}th,td{text-align:left;padding:.5rem;border-bottom:1px solid #e3e6eb}
.notice{background:#fff;border-left:4px solid #c0392b;padding:1rem}.muted{color:#667}
.card{background:#fff;padding:1.5rem;max-width:26rem;border:1px solid #e3e6eb}.card label{display:block;margin:.75rem 0 .25rem}
.card input[type=email],.card input[type=password],.card input[type=text],.card select{width:100%;padding:.5rem;box-sizing:border-box}button{padding:.45rem 1rem;cursor:pointer}
.error{color:#c0392b}.invalid{outline:2px solid #c0392b;background:#fdf0ef}.card input[type=url],.card input[type=number]{width:100%;padding:.5rem;box-sizing:border-box}.tiles{display:flex;flex-wrap:wrap;gap:1rem;margin-bottom:2rem}.tile{background:#fff;border:1px solid #e3e6eb;padding:1rem;min-width:12rem;flex:1 1 14rem}
.inline{display:inline}header a.brand{color:#fff;text-decoration:none;font-weight:600}
nav.sections{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0 1.5rem}`;

/** The site's icon: a gate in the header's colours, served at /favicon.ico and /favicon.svg. */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d2330"/>' +
  '<path d="M8 26V12a8 8 0 0 1 16 0v14" fill="none" stroke="#fff" stroke-width="3"/><path d="M16 14v12" stroke="#fff" stroke-width="2"/></svg>';

export function page(title: string, body: Markup): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Gatehouse</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><style>${new Markup(STYLE)}</style></head>
<body><header><a class="brand" href="/">Gatehouse</a></header><main>${body}</main></body></html>`.value;
}

/** A page explaining why something did not work, with what to do next (and its status, when an error). */
export function noticePage(title: string, message: string, next: string | Markup, status?: number): string {
  const heading = status ? html`${title} <span class="muted">(${status})</span>` : title;
  return page(title, html`<h1>${heading}</h1><div class="notice"><p>${message}</p><p>${next}</p></div>`);
}

/**
 * A time in a person's terms ("3 minutes ago", "in 2 hours"), with the exact UTC time on hover
 * and in the markup for machines.
 */
export function when(date: Date | null | undefined, now = Date.now(), never = 'never'): Markup {
  if (!date) return html`${never}`;
  const exact = date.toISOString();
  return html`<time datetime="${exact}" title="${exact.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}">${relative(date.getTime() - now)}</time>`;
}

const UNITS: [string, number][] = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

function relative(ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000);
  if (seconds < 45) return ms <= 0 ? 'just now' : 'in a few seconds';
  for (const [unit, size] of UNITS) {
    const n = Math.round(seconds / size);
    if (n >= 1 && seconds >= size * 0.75) {
      const phrase = `${n} ${unit}${n === 1 ? '' : 's'}`;
      return ms <= 0 ? `${phrase} ago` : `in ${phrase}`;
    }
  }
  return ms <= 0 ? '1 minute ago' : 'in 1 minute';
}
