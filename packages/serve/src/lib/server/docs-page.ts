import { createHash } from 'node:crypto';
import type { JsonObject } from './openapi.js';

// The page is self-contained (no CDN: servers often run without internet, and a docs page should not
// make the browser fetch third-party code next to an API key field). The OpenAPI document is inlined
// as a JSON data block; the script renders it with textContent only, so nothing in the document can
// inject markup.

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg2: #f6f8fa; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bg2: #151b23; --accent: #4493f8; } }
body { font: 15px/1.5 system-ui, sans-serif; color: var(--fg); max-width: 960px; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: 0; } .version { color: var(--muted); margin-top: 0; }
section.op { border: 1px solid var(--line); border-radius: 8px; margin: 1.5rem 0; padding: 0 1rem 1rem; }
.op h2 { font-size: 1.1rem; display: flex; gap: .6rem; align-items: center; }
.method { font: 600 .8rem ui-monospace, monospace; padding: .15rem .5rem; border-radius: 4px; color: #fff; background: #1a7f37; }
.method.post { background: var(--accent); }
code, pre, textarea, input { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: var(--bg2); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow: auto; }
table { border-collapse: collapse; } td { border-top: 1px solid var(--line); padding: .25rem .75rem .25rem 0; vertical-align: top; }
textarea { width: 100%; box-sizing: border-box; min-height: 9rem; }
input { width: 24rem; max-width: 100%; }
button { font: inherit; padding: .35rem 1rem; border-radius: 6px; border: 1px solid var(--line); background: var(--accent); color: #fff; cursor: pointer; }
.status { font-weight: 600; } .muted { color: var(--muted); }
`;

const SCRIPT = `
(function () {
  var doc = JSON.parse(document.getElementById('openapi').textContent);
  var root = document.getElementById('root');
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }
  function resolve(schema, depth) {
    if (!schema || typeof schema !== 'object' || depth > 8) return schema;
    if (typeof schema.$ref === 'string') {
      var name = schema.$ref.split('/').pop();
      return resolve((doc.components && doc.components.schemas || {})[name], depth + 1);
    }
    if (Array.isArray(schema)) return schema.map(function (s) { return resolve(s, depth + 1); });
    var out = {};
    Object.keys(schema).forEach(function (k) { out[k] = resolve(schema[k], depth + 1); });
    return out;
  }
  function pre(value) { return el('pre', {}, [JSON.stringify(value, null, 2)]); }

  root.append(el('h1', {}, [doc.info.title]));
  root.append(el('p', { class: 'version' }, ['version ' + doc.info.version + ' \\u00b7 ', el('a', { href: 'openapi.json' }, ['openapi.json'])]));
  if (doc.info.description) root.append(el('p', {}, [doc.info.description]));

  Object.keys(doc.paths).forEach(function (path) {
    Object.keys(doc.paths[path]).forEach(function (method) {
      var op = doc.paths[path][method];
      var section = el('section', { class: 'op' }, [
        el('h2', {}, [el('span', { class: 'method ' + method }, [method.toUpperCase()]), el('code', {}, [path]), op.summary || ''])
      ]);
      if (op.description) section.append(el('p', {}, [op.description]));
      if (op.security) section.append(el('p', { class: 'muted' }, ['Requires the API key: x-api-key header or Authorization: Bearer.']));
      var body = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
      if (body) {
        section.append(el('h3', {}, ['Request body (application/json)']), pre(resolve(body.schema, 0)));
      }
      var rows = Object.keys(op.responses).map(function (code) {
        var r = op.responses[code];
        return el('tr', {}, [el('td', {}, [el('code', {}, [code])]), el('td', {}, [r.description || ''])]);
      });
      section.append(el('h3', {}, ['Responses']), el('table', {}, rows));
      var ok = op.responses['200'] && op.responses['200'].content && op.responses['200'].content['application/json'];
      if (ok) section.append(el('h3', {}, ['200 body']), pre(resolve(ok.schema, 0)));
      if (op.operationId === 'predict') section.append(tryIt(path, op, body && body.example));
      root.append(section);
    });
  });
  if (doc.components && doc.components.schemas && doc.components.schemas.Error) {
    root.append(el('section', { class: 'op' }, [el('h2', {}, ['Error body']), pre(resolve(doc.components.schemas.Error, 0))]));
  }

  function tryIt(path, op, example) {
    var text = el('textarea', { id: 'try-body', spellcheck: 'false', 'aria-label': 'request body' });
    text.value = JSON.stringify(example || { instances: [] }, null, 2);
    var key = el('input', { id: 'try-key', type: 'password', placeholder: 'API key', autocomplete: 'off' });
    var button = el('button', { type: 'submit' }, ['Send']);
    var status = el('p', { class: 'status' }, []);
    var output = el('pre', { id: 'try-output' }, []);
    var form = el('form', { id: 'try-it' }, [el('h3', {}, ['Try it']), text]);
    if (op.security) form.append(el('p', {}, [key]));
    form.append(el('p', {}, [button]), status, output);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var headers = { 'content-type': 'application/json' };
      if (op.security && key.value) headers['x-api-key'] = key.value;
      var started = performance.now();
      status.textContent = 'sending...';
      output.textContent = '';
      fetch(path, { method: 'POST', headers: headers, body: text.value }).then(function (res) {
        return res.text().then(function (raw) {
          var ms = Math.round(performance.now() - started);
          status.textContent = res.status + ' ' + res.statusText + ' \\u00b7 ' + ms + ' ms \\u00b7 x-request-id ' + (res.headers.get('x-request-id') || '-');
          try { output.textContent = JSON.stringify(JSON.parse(raw), null, 2); } catch (e) { output.textContent = raw; }
        });
      }).catch(function (error) { status.textContent = 'request failed: ' + error; });
    });
    return form;
  }
})();
`;

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * Content-Security-Policy for the docs page: only its own inline style and script (by hash), fetches
 * to this origin only, nothing else.
 */
export const DOCS_PAGE_CSP = [
  "default-src 'none'",
  `style-src ${hash(STYLE)}`,
  `script-src ${hash(SCRIPT)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** JSON that is safe inside a `<script>` element: no `<`, `>`, `&` or line separators left raw. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The `/docs` page: renders the OpenAPI document and a "try it" form that posts to the predict route. */
export function renderDocsPage(document: JsonObject): string {
  const info = document.info as { title?: unknown } | undefined;
  const title = typeof info?.title === 'string' ? info.title : 'Prediction server';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main id="root"><noscript>This page needs JavaScript; the raw document is at <a href="openapi.json">openapi.json</a>.</noscript></main>
<script type="application/json" id="openapi">${scriptSafeJson(document)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
