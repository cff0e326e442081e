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

function render(value: unknown): string {
  if (value instanceof Markup) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
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
.error{color:#c0392b}.tiles{display:flex;flex-wrap:wrap;gap:1rem;margin-bottom:2rem}.tile{background:#fff;border:1px solid #e3e6eb;padding:1rem;min-width:12rem}
.inline{display:inline}`;

export function page(title: string, body: Markup): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Gatehouse</title><style>${new Markup(STYLE)}</style></head>
<body><header>Gatehouse</header><main>${body}</main></body></html>`.value;
}

/** A page explaining why something did not work, with what to do next. */
export function noticePage(title: string, message: string, next: string | Markup): string {
  return page(title, html`<h1>${title}</h1><div class="notice"><p>${message}</p><p>${next}</p></div>`);
}
