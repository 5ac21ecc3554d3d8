import { createHash } from 'node:crypto';
import type { ApiSummary, JsonObject } from './openapi.js';

// The page is rendered on the server, from the OpenAPI document: routes, request and response shapes, a
// curl example and the model's details read without JavaScript. The one script only turns on the "try it"
// form. Self-contained (no CDN: servers often run without internet, and a docs page should not make the
// browser fetch third-party code next to an API key field); everything from the document is escaped.

const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg2: #f6f8fa; --accent: #0969da; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bg2: #151b23; --accent: #4493f8; } }
body { font: 15px/1.5 system-ui, sans-serif; color: var(--fg); max-width: 960px; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: 0; } .version { color: var(--muted); margin-top: 0; }
section.op { border: 1px solid var(--line); border-radius: 8px; margin: 1.5rem 0; padding: 0 1rem 1rem; }
.op h2 { font-size: 1.1rem; display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; }
.method { font: 600 .8rem ui-monospace, monospace; padding: .15rem .5rem; border-radius: 4px; color: #fff; background: #1a7f37; }
.method.post { background: var(--accent); }
code, pre, textarea, input { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: var(--bg2); border: 1px solid var(--line); border-radius: 6px; padding: .75rem; overflow: auto; }
table { border-collapse: collapse; margin: .5rem 0; } th { text-align: left; color: var(--muted); font-weight: 600; padding: .25rem .75rem .25rem 0; }
td { border-top: 1px solid var(--line); padding: .3rem .75rem .3rem 0; vertical-align: top; }
td table { margin-top: .4rem; } td p { margin: 0 0 .25rem; } ul.variants { margin: .25rem 0; padding-left: 1.2rem; }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dl.details dt { font-weight: 600; } dl.details dd { margin: 0; }
.type { font: 13px ui-monospace, monospace; } .muted, .constraints { color: var(--muted); }
textarea { width: 100%; box-sizing: border-box; min-height: 9rem; }
input { width: 24rem; max-width: 100%; }
button { font: inherit; padding: .35rem 1rem; border-radius: 6px; border: 1px solid var(--line); background: var(--accent); color: #fff; cursor: pointer; }
.status { font-weight: 600; }
`;

const SCRIPT = `
(function () {
  var form = document.getElementById('try-it');
  if (!form) return;
  var body = document.getElementById('try-body');
  var key = document.getElementById('try-key');
  var status = document.getElementById('try-status');
  var output = document.getElementById('try-output');
  form.hidden = false;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var headers = { 'content-type': 'application/json' };
    if (key && key.value) headers['x-api-key'] = key.value;
    var started = performance.now();
    status.textContent = 'sending...';
    output.textContent = '';
    fetch(form.getAttribute('data-path'), { method: 'POST', headers: headers, body: body.value }).then(function (res) {
      return res.text().then(function (raw) {
        var ms = Math.round(performance.now() - started);
        status.textContent = res.status + ' ' + res.statusText + ' \\u00b7 ' + ms + ' ms \\u00b7 x-request-id ' + (res.headers.get('x-request-id') || '-');
        try { output.textContent = JSON.stringify(JSON.parse(raw), null, 2); } catch (e) { output.textContent = raw; }
      });
    }).catch(function (error) { status.textContent = 'request failed: ' + error; });
  });
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

/** What {@link renderDocsPage} needs. */
export interface DocsPageParams {
  /** The OpenAPI document the page describes. */
  document: JsonObject;
  /** Its title, summary and details, as the options and the handler gave them. */
  api: ApiSummary;
  /** Where a client reaches this server, for the curl examples, e.g. `https://spam-abc-uc.a.run.app`. */
  baseUrl: string;
}

type Schema = Record<string, unknown>;

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: unknown;
  requestBody?: { content?: Record<string, { schema?: Schema; example?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}

const MAX_DEPTH = 6;

/** The `/docs` page: the OpenAPI document as HTML, readable without JavaScript, and a "try it" form for the predict route. */
export function renderDocsPage(params: DocsPageParams): string {
  const { document: doc, api, baseUrl } = params;
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Operation>>;
  const sections: string[] = [];
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      sections.push(renderOperation(doc, baseUrl, path, method, operation));
    }
  }
  const errorSchema = componentSchema(doc, 'Error');
  if (errorSchema) sections.push(`<section class="op"><h2>Error body</h2><p>Every error answer, whatever the route.</p>${renderSchema(doc, errorSchema, 0)}</section>`);

  const details = Object.entries(api.details);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(api.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(api.title)}</h1>
<p class="version">version ${escapeHtml(api.version)} &#183; <a href="openapi.json">openapi.json</a> (OpenAPI 3.1)</p>
${api.summary ? `<p>${escapeHtml(api.summary)}</p>` : ''}
${details.length > 0 ? `<dl class="details">${details.map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>` : ''}
${sections.join('\n')}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function renderOperation(doc: JsonObject, baseUrl: string, path: string, method: string, op: Operation): string {
  const parts: string[] = [
    `<h2><span class="method ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span><code>${escapeHtml(path)}</code>${escapeHtml(op.summary ?? '')}</h2>`,
  ];
  if (op.description) parts.push(`<p>${escapeHtml(op.description)}</p>`);
  if (op.security) parts.push('<p class="muted">Requires the API key: the x-api-key header, or Authorization: Bearer.</p>');
  const body = op.requestBody?.content?.['application/json'];
  parts.push('<h3>Example</h3>', `<pre>${escapeHtml(curlCommand(baseUrl, path, method, op.security !== undefined, body?.example))}</pre>`);
  if (body?.schema) parts.push('<h3>Request body (application/json)</h3>', renderSchema(doc, body.schema, 0));

  const responses = Object.entries(op.responses ?? {});
  parts.push(
    '<h3>Responses</h3>',
    `<table>${responses.map(([code, response]) => `<tr><td><code>${escapeHtml(code)}</code></td><td>${escapeHtml(response.description ?? '')}</td></tr>`).join('')}</table>`,
  );
  const ok = op.responses?.['200']?.content?.['application/json']?.schema;
  if (ok) {
    parts.push(
      '<h3>200 body (application/json)</h3>',
      renderSchema(doc, ok, 0),
      '<p class="muted">For example (the values are placeholders):</p>',
      `<pre>${escapeHtml(JSON.stringify(sampleOf(doc, ok, 0), null, 2))}</pre>`,
    );
  }
  if (op.operationId === 'predict') parts.push(tryItForm(path, op.security !== undefined, body?.example));
  return `<section class="op">${parts.join('\n')}</section>`;
}

/** The form the script reveals; without JavaScript it stays hidden (a plain form cannot send JSON). */
function tryItForm(path: string, security: boolean, example: unknown): string {
  const key = security ? '<p><input id="try-key" type="password" placeholder="API key" autocomplete="off" aria-label="API key"></p>' : '';
  return (
    `<form id="try-it" data-path="${escapeHtml(path)}" hidden><h3>Try it</h3>` +
    `<textarea id="try-body" spellcheck="false" aria-label="request body">${escapeHtml(JSON.stringify(example ?? { instances: [] }, null, 2))}</textarea>` +
    `${key}<p><button type="submit">Send</button></p><p class="status" id="try-status"></p><pre id="try-output"></pre></form>`
  );
}

/** A curl command that runs as written in a POSIX shell. */
function curlCommand(baseUrl: string, path: string, method: string, security: boolean, example: unknown): string {
  const lines = [`curl -s ${baseUrl}${path}`];
  if (security) lines.push(`-H "x-api-key: $API_KEY"`);
  if (method === 'post') {
    lines.push(`-H 'content-type: application/json'`);
    lines.push(`-d '${JSON.stringify(example ?? {}).replaceAll("'", `'\\''`)}'`);
  } else if (method !== 'get') {
    lines.splice(1, 0, `-X ${method.toUpperCase()}`);
  }
  return lines.join(' \\\n  ');
}

// --- schemas as HTML ---------------------------------------------------------------------------

function componentSchema(doc: JsonObject, name: string): Schema | undefined {
  const schemas = ((doc.components as JsonObject | undefined)?.schemas ?? {}) as Record<string, Schema>;
  return schemas[name];
}

/** The schema a local `$ref` points at (only `#/components/schemas/...`, as this document uses). */
function resolve(doc: JsonObject, schema: unknown, depth = 0): Schema {
  if (!isObject(schema)) return {};
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/') && depth < MAX_DEPTH) {
    return resolve(doc, componentSchema(doc, ref.slice('#/components/schemas/'.length)), depth + 1);
  }
  return schema;
}

/** A schema as a short type: `string`, `integer`, `array of object`, `"ham" | "spam"`, `string or object`. */
function typeOf(doc: JsonObject, raw: unknown, depth: number): string {
  const schema = resolve(doc, raw);
  if (depth > MAX_DEPTH) return 'any';
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if ('const' in schema) return JSON.stringify(schema.const);
  const variants = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
  if (Array.isArray(variants)) return variants.map((variant) => typeOf(doc, variant, depth + 1)).join(' or ');
  const type = schema.type;
  if (Array.isArray(type)) return type.join(' or ');
  if (type === 'array') return `array of ${typeOf(doc, schema.items, depth + 1)}`;
  return typeof type === 'string' ? type : 'any JSON';
}

/** Bounds, defaults and the like, in words: `1 to 1024 items`, `from 1`, `0 to 1`, `default 0.5`. */
function constraintsOf(schema: Schema): string[] {
  const out: string[] = [];
  const range = (min: unknown, max: unknown, unit: string): void => {
    if (typeof min === 'number' && typeof max === 'number') out.push(`${min} to ${max}${unit}`);
    else if (typeof min === 'number') out.push(unit ? `at least ${min}${unit}` : `from ${min}`);
    else if (typeof max === 'number') out.push(unit ? `at most ${max}${unit}` : `up to ${max}`);
  };
  range(schema.minimum, schema.maximum, '');
  if (typeof schema.exclusiveMinimum === 'number') out.push(`above ${schema.exclusiveMinimum}`);
  if (typeof schema.exclusiveMaximum === 'number') out.push(`below ${schema.exclusiveMaximum}`);
  range(schema.minItems, schema.maxItems, ' items');
  range(schema.minLength, schema.maxLength, ' characters');
  if ('default' in schema) out.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.additionalProperties === false) out.push('no other keys');
  return out;
}

function isComplex(schema: Schema, doc: JsonObject): boolean {
  if (isObject(schema.properties) || Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) return true;
  if (schema.type === 'array') return isComplex(resolve(doc, schema.items), doc);
  return false;
}

/** A schema as HTML: its description, its variants, its fields in a table with their types, bounds and descriptions. */
function renderSchema(doc: JsonObject, raw: unknown, depth: number, options: { skipDescription?: boolean } = {}): string {
  const schema = resolve(doc, raw);
  if (depth > MAX_DEPTH) return '';
  const parts: string[] = [];
  if (!options.skipDescription && typeof schema.description === 'string') parts.push(`<p>${escapeHtml(schema.description)}</p>`);
  const variants = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
  if (Array.isArray(variants)) {
    const items = variants.map((variant) => {
      const resolved = resolve(doc, variant);
      const text = typeof resolved.description === 'string' ? ` ${escapeHtml(resolved.description)}` : '';
      const nested = isComplex(resolved, doc) ? renderSchema(doc, resolved, depth + 1, { skipDescription: true }) : '';
      return `<li><span class="type">${escapeHtml(typeOf(doc, resolved, depth + 1))}</span>${text}${nested}</li>`;
    });
    parts.push(`<p>One of:</p><ul class="variants">${items.join('')}</ul>`);
  }
  if (schema.type === 'array' && isComplex(resolve(doc, schema.items), doc)) {
    parts.push(`<p>Each item:</p>${renderSchema(doc, schema.items, depth + 1)}`);
  }
  if (isObject(schema.properties)) {
    const required = Array.isArray(schema.required) ? schema.required : [];
    const rows = Object.entries(schema.properties).map(([name, property]) => {
      const resolved = resolve(doc, property);
      const constraints = constraintsOf(resolved);
      const description = typeof resolved.description === 'string' ? `<p>${escapeHtml(resolved.description)}</p>` : '';
      const nested = isComplex(resolved, doc) ? renderSchema(doc, resolved, depth + 1, { skipDescription: true }) : '';
      return (
        `<tr><td><code>${escapeHtml(name)}</code>${required.includes(name) ? ' <span class="muted">required</span>' : ''}</td>` +
        `<td><span class="type">${escapeHtml(typeOf(doc, resolved, depth + 1))}</span>` +
        `${constraints.length > 0 ? `<br><span class="constraints">${escapeHtml(constraints.join(', '))}</span>` : ''}</td>` +
        `<td>${description}${nested}</td></tr>`
      );
    });
    parts.push(`<table><tr><th>field</th><th>type</th><th>meaning</th></tr>${rows.join('')}</table>`);
  } else if (!Array.isArray(variants) && depth === 0) {
    const constraints = constraintsOf(schema);
    parts.push(`<p><span class="type">${escapeHtml(typeOf(doc, schema, depth))}</span>${constraints.length > 0 ? ` <span class="constraints">${escapeHtml(constraints.join(', '))}</span>` : ''}</p>`);
  }
  return parts.join('');
}

/** A value of the schema's shape, for an example answer: enums give their first value, numbers their bounds' middle. */
function sampleOf(doc: JsonObject, raw: unknown, depth: number): unknown {
  const schema = resolve(doc, raw);
  if (depth > MAX_DEPTH) return null;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const variants = (schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
  if (Array.isArray(variants) && variants.length > 0) return sampleOf(doc, variants[0], depth + 1);
  const type: unknown = Array.isArray(schema.type) ? (schema.type as unknown[])[0] : schema.type;
  switch (type) {
    case 'object': {
      // The required fields only, when the schema says which: the smallest answer of that shape.
      const required = Array.isArray(schema.required) && schema.required.length > 0 ? (schema.required as unknown[]) : undefined;
      const properties = Object.entries(isObject(schema.properties) ? schema.properties : {}).filter(([name]) => !required || required.includes(name));
      return Object.fromEntries(properties.map(([name, property]) => [name, sampleOf(doc, property, depth + 1)]));
    }
    case 'array':
      return [sampleOf(doc, schema.items, depth + 1)];
    case 'string':
      return 'string';
    case 'number':
    case 'integer': {
      const { minimum: min, maximum: max } = schema;
      if (typeof min === 'number' && typeof max === 'number') return type === 'integer' ? Math.round((min + max) / 2) : (min + max) / 2;
      return typeof min === 'number' ? min : 0;
    }
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
