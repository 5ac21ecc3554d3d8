// What /openapi.json and /docs say about the model: the handler describes its own instances, parameters
// and predictions (the text classifier from its model directory: labels, threshold, top_k), the title
// names the model, the document passes a real OpenAPI 3.1 validator, real requests and answers match its
// schemas, and /docs is readable without JavaScript.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PredictionHandler } from '../src/lib/handler.js';
import { createTextClassificationHandler } from '../src/lib/model/text-classifier.js';
import { buildTextClassifierDir } from './fixtures/build-model.js';
import { createToyHandler } from './helpers/toy-handler.js';
import { startServer } from './helpers/test-server.js';

interface Schema {
  [key: string]: unknown;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { requestBody?: { content: Record<string, { example?: unknown }> } }>>;
  components: { schemas: Record<string, Schema> };
}

let root: string;
let singleDir: string;
let multiDir: string;
let bertDir: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vertexkit-serve-openapi-'));
  singleDir = join(root, 'spam-filter');
  await buildTextClassifierDir(singleDir, { labels: ['ham', 'spam'], seed: 3 });
  multiDir = join(root, 'topics', 'model');
  await buildTextClassifierDir(multiDir, { labels: ['sports', 'politics', 'tech'], multiLabel: true, seed: 4 });
  // As @vertexkit/trainer --threshold writes it.
  const config = JSON.parse(await readFile(join(multiDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(multiDir, 'config.json'), JSON.stringify({ ...config, threshold: 0.3 }));
  bertDir = join(root, 'exported');
  await buildTextClassifierDir(bertDir, { labels: ['negative', 'positive'], style: 'bert', seed: 5 });
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function classifierServer(modelDir: string, options: Partial<Parameters<typeof startServer>[0]> = {}) {
  const started = await startServer({ handler: createTextClassificationHandler({ modelDir, worker: false, threads: 1 }), ...options });
  await started.server.ready;
  const document = (await (await started.get('/openapi.json')).json()) as OpenApiDocument;
  return { ...started, document };
}

/** Validates bodies against the document's own schemas, as a client generated from it would. */
function schemaChecker(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(document, 'openapi.json');
  return (name: string, value: unknown): string[] => {
    const validate = ajv.getSchema(`openapi.json#/components/schemas/${name}`);
    if (!validate) throw new Error(`no schema ${name}`);
    return validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
  };
}

/**
 * The document against the OpenAPI 3.1 schema, and each of its schemas against JSON Schema 2020-12 (the
 * OpenAPI validator takes any object as a Schema Object), compiled in Ajv's strict mode where it has no $ref.
 */
async function expectValidOpenApi(document: unknown): Promise<void> {
  const validator = new Validator();
  const result = await validator.validate(document as Record<string, unknown>);
  expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
  const schemas = (document as OpenApiDocument).components.schemas;
  for (const [name, schema] of Object.entries(schemas)) {
    const ajv = new Ajv2020({ strict: true });
    expect(ajv.validateSchema(schema), `${name}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
    if (!JSON.stringify(schema).includes('"$ref"')) expect(() => ajv.compile(schema), name).not.toThrow();
  }
}

test('the validators catch a broken schema', async () => {
  const broken = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {}, components: { schemas: { Parameters: { type: 'integr' } } } };
  await expect(expectValidOpenApi(broken)).rejects.toThrow(/Parameters/);
});

describe('a text classifier describes itself', () => {
  test('single-label: the title names the model; labels as an enum; top_k from 1, default all; no threshold', async () => {
    const { document, post } = await classifierServer(singleDir);
    expect(document.info.title).toBe('spam-filter (text classification)');
    expect(document.info.description).toContain('- **Labels**: ham, spam');

    const { Instance, Parameters, Prediction } = document.components.schemas;
    expect(Instance?.oneOf).toEqual([
      { type: 'string', description: 'The text.' },
      { type: 'object', required: ['text'], additionalProperties: false, properties: { text: { type: 'string', description: 'The text.' } } },
    ]);
    expect(Parameters?.additionalProperties).toBe(false);
    expect(Object.keys(Parameters?.properties ?? {})).toEqual(['top_k']);
    expect(Parameters?.properties?.top_k).toMatchObject({ type: 'integer', minimum: 1, default: 2 });
    const labels = Prediction?.properties?.labels;
    expect(labels).toMatchObject({ type: 'array', minItems: 1, maxItems: 2 });
    expect(labels?.items?.properties?.label).toEqual({ type: 'string', enum: ['ham', 'spam'] });
    expect(labels?.items?.properties?.score).toMatchObject({ type: 'number', minimum: 0, maximum: 1 });
    expect(document.components.schemas.PredictRequest?.properties?.instances?.items).toEqual({ $ref: '#/components/schemas/Instance' });
    expect(document.components.schemas.PredictResponse?.properties?.predictions?.items).toEqual({ $ref: '#/components/schemas/Prediction' });

    await expectValidOpenApi(document);
    // The example is a request the server takes, and its answer matches the schema.
    const check = schemaChecker(document);
    const example = document.paths['/predict']?.post?.requestBody?.content['application/json']?.example;
    expect(example).toEqual({ instances: ['The text to classify', { text: 'Another text, in the object form' }], parameters: { top_k: 1 } });
    expect(check('PredictRequest', example)).toEqual([]);
    const response = await post(example);
    expect(response.status).toBe(200);
    expect(check('PredictResponse', await response.json())).toEqual([]);
    const all = await post({ instances: ['free money now'] });
    expect(check('PredictResponse', await all.json())).toEqual([]);
    // What the server refuses, the schema refuses too.
    expect((await post({ instances: ['x'], parameters: { threshold: 0.5 } })).status).toBe(400);
    expect(check('PredictRequest', { instances: ['x'], parameters: { threshold: 0.5 } })).not.toEqual([]);
    expect((await post({ instances: [{ text: 'x', lang: 'en' }] })).status).toBe(400);
    expect(check('PredictRequest', { instances: [{ text: 'x', lang: 'en' }] })).not.toEqual([]);
    expect(check('PredictRequest', { instances: ['x'], parameters: { top_k: 0 } })).not.toEqual([]);
  });

  test('multi-label: threshold from 0 to 1 with config.json\'s default; a directory named "model" is titled by its parent too', async () => {
    const { document, post } = await classifierServer(multiDir);
    expect(document.info.title).toBe('topics/model (text classification)');
    const { Parameters, Prediction } = document.components.schemas;
    expect(Object.keys(Parameters?.properties ?? {})).toEqual(['top_k', 'threshold']);
    expect(Parameters?.properties?.threshold).toMatchObject({ type: 'number', minimum: 0, maximum: 1, default: 0.3 });
    const labels = Prediction?.properties?.labels;
    expect(labels?.minItems).toBeUndefined();
    expect(labels?.items?.properties?.label?.enum).toEqual(['sports', 'politics', 'tech']);
    await expectValidOpenApi(document);
    const check = schemaChecker(document);
    const example = document.paths['/predict']?.post?.requestBody?.content['application/json']?.example;
    expect(check('PredictRequest', example)).toEqual([]);
    const response = await post(example);
    expect(response.status).toBe(200);
    expect(check('PredictResponse', await response.json())).toEqual([]);
    expect(check('PredictRequest', { instances: ['x'], parameters: { threshold: 1.5 } })).not.toEqual([]);
  });

  test('a directory exported from transformers is titled by config.json\'s _name_or_path', async () => {
    const { document } = await classifierServer(bertDir);
    expect(document.info.title).toBe('bert-base-uncased (text classification)');
    await expectValidOpenApi(document);
  });

  test('the openApi option wins over what the handler says, field by field', async () => {
    const { document } = await classifierServer(singleDir, { openApi: { title: 'Spam filter', version: '3', parametersSchema: { type: 'object' } } });
    expect(document.info).toMatchObject({ title: 'Spam filter', version: '3' });
    expect(document.components.schemas.Parameters).toEqual({ type: 'object' });
    expect(document.components.schemas.Prediction?.properties?.labels?.items?.properties?.label?.enum).toEqual(['ham', 'spam']);
  });
});

describe('any handler can describe itself', () => {
  // What a text-generation handler (issue 13: translation) would say about its own parameters.
  const translator: PredictionHandler<string, string, { translation: string }, unknown> = {
    parseInstance: (instance) => String(instance),
    run: (batch) => Promise.resolve(batch.map((text) => text.split('').reverse().join(''))),
    postprocess: (raw) => ({ translation: raw }),
    describe: () => ({
      name: 'opus-mt-en-de',
      task: 'translation',
      summary: 'Translates English to German.',
      details: { 'Source language': 'en', 'Target language': 'de' },
      instanceSchema: { type: 'string', description: 'English text.' },
      parametersSchema: {
        type: 'object',
        additionalProperties: false,
        properties: {
          num_beams: { type: 'integer', minimum: 1, maximum: 8, default: 4 },
          max_new_tokens: { type: 'integer', minimum: 1, maximum: 512, default: 128 },
          temperature: { type: 'number', exclusiveMinimum: 0, default: 1 },
        },
      },
      predictionSchema: { type: 'object', required: ['translation'], properties: { translation: { type: 'string' } } },
      exampleRequest: { instances: ['Good morning'], parameters: { num_beams: 2 } },
    }),
  };

  test('its schemas, name and details are in the document and on /docs', async () => {
    const { server, get } = await startServer({ handler: translator, apiKey: 'secret-key-123' });
    await server.ready;
    const document = (await (await get('/openapi.json')).json()) as OpenApiDocument;
    expect(document.info.title).toBe('opus-mt-en-de (translation)');
    expect(document.components.schemas.Parameters?.properties?.num_beams).toEqual({ type: 'integer', minimum: 1, maximum: 8, default: 4 });
    await expectValidOpenApi(document);
    const html = textOf(await (await get('/docs')).text());
    for (const text of ['opus-mt-en-de (translation)', 'Translates English to German.', 'Source language', 'num_beams', 'max_new_tokens', 'temperature']) {
      expect(html).toContain(text);
    }
    expect(html).toContain('-H "x-api-key: $API_KEY"');
  });

  test('before the model is loaded the document is the generic one and says so; a describe() that throws is logged, not fatal', async () => {
    const toy = createToyHandler({ holdLoad: true });
    const { server, get, logs } = await startServer({
      handler: {
        ...toy.handler,
        describe: () => {
          throw new Error('describe broke');
        },
      },
    });
    const early = (await (await get('/openapi.json')).json()) as OpenApiDocument;
    expect(early.info.title).toBe('Prediction server');
    expect(early.info.description).toContain('once the model is loaded');
    toy.releaseLoad();
    await server.ready;
    expect(server.status).toBe('ready');
    const later = (await (await get('/openapi.json')).json()) as OpenApiDocument;
    expect(later.info.title).toBe('Prediction server');
    expect(logs.find((line) => line.severity === 'ERROR')?.message).toBe(
      'handler.describe() threw: describe broke; /openapi.json and /docs describe instances, parameters and predictions as any JSON',
    );
    await expectValidOpenApi(later);
  });

  test('fields of the wrong type are left out with a WARNING line each; the rest is used', async () => {
    const { server, get, logs } = await startServer({
      handler: { ...createToyHandler().handler, describe: () => ({ name: 42, details: 'labels: a, b', instanceSchema: { type: 'string' }, exampleRequest: { instances: 'x' } }) as never },
    });
    await server.ready;
    const document = (await (await get('/openapi.json')).json()) as OpenApiDocument;
    expect(document.info.title).toBe('Prediction server');
    expect(document.components.schemas.Instance).toEqual({ type: 'string' });
    expect(logs.filter((line) => line.severity === 'WARNING').map((line) => line.message)).toEqual([
      'handler.describe(): name is number 42, not a string; left out of /openapi.json and /docs',
      'handler.describe(): details is the string "labels: a, b", not an object of strings; left out of /openapi.json and /docs',
      'handler.describe(): exampleRequest is an object, not a request body like {"instances": [...]}; left out of /openapi.json and /docs',
    ]);
    await expectValidOpenApi(document);
  });

  test('a handler that describes nothing still gets a valid document, with or without an API key', async () => {
    for (const apiKey of [undefined, 'another-key-456']) {
      const { server, get } = await startServer({ handler: createToyHandler().handler, ...(apiKey ? { apiKey } : {}), predictRoute: '/v1/models/m:predict' });
      await server.ready;
      await expectValidOpenApi(await (await get('/openapi.json')).json());
    }
  });
});

/** The text a browser without JavaScript shows: scripts, styles and hidden elements dropped, tags stripped, entities decoded. */
function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<form[^>]*\shidden[\s\S]*?<\/form>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+/g, ' ');
}

describe('/docs without JavaScript', () => {
  test('routes, request and response shapes, the labels and a curl example that works, rendered on the server', async () => {
    const { get, port } = await classifierServer(singleDir);
    const response = await get('/docs');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).not.toContain('needs JavaScript');
    const text = textOf(html);
    for (const expected of [
      'spam-filter (text classification)',
      'Labels',
      'ham, spam',
      'POST /predict',
      'GET /health',
      'GET /metrics',
      'instances',
      'parameters',
      'top_k',
      'labels',
      'score',
      '"ham" | "spam"',
      '429',
      '503',
    ]) {
      expect(text, `missing ${expected}`).toContain(expected);
    }
    expect(text).not.toContain('threshold');

    // The curl example, copied from the page (the Host it was asked on), runs as written.
    const curl = /curl -s [^\n]*\/predict[^\n]*(?:\n[^\n]*)*?-d '([^\n]*)'/.exec(text);
    expect(curl?.[0]).toContain(`http://127.0.0.1:${port}/predict`);
    const body = JSON.parse(curl?.[1]?.replace(/'\\''/g, "'") ?? 'null') as unknown;
    const answer = await fetch(`http://127.0.0.1:${port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(answer.status).toBe(200);
  });

  test('a multi-label model shows its threshold and its default', async () => {
    const { get } = await classifierServer(multiDir);
    const text = textOf(await (await get('/docs')).text());
    expect(text).toContain('threshold');
    expect(text).toContain('default 0.3');
    expect(text).toContain('sports, politics, tech');
  });

  test('a Host that is not a host name gives a localhost example, never markup', async () => {
    const { port } = await classifierServer(singleDir);
    const html = await new Promise<string>((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path: '/docs', headers: { host: 'evil"><b>x' } }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve(body));
      });
      request.on('error', reject);
    });
    expect(html).not.toContain('<b>x');
    expect(textOf(html)).toContain(`curl -s http://localhost:${port}/predict`);
  });
});
