#!/usr/bin/env node
// Writes the part of the Vertex AI v1 API that @vertexkit/jobs validates against, from the protos that ship
// with @google-cloud/aiplatform (so an upgrade of that package shows up as a diff, and a test fails until the
// generated files are refreshed):
//
//   src/generated/vertex-schema.json       message and enum types reachable from the resources we create
//   src/generated/vertex-schema-text.ts    the same JSON as a string constant: the build bundles it and the
//                                          validator JSON.parse()s it on first use, so importing the package
//                                          stays cheap and the schema needs no file next to dist/
//   src/generated/vertex-types.ts          TypeScript interfaces for the specs users write, TSDoc from the protos
//
// Structure comes from build/protos/protos.json (what the client encodes with). protos.json keeps only the
// last (google.api.field_behavior) of a field, and `[(field_behavior) = REQUIRED, (field_behavior) = IMMUTABLE]`
// is common, so the behaviours and the comments come from the .proto sources next to it.
//
// The generated files are committed and published: validation, the types and gcloud rendering never read
// @google-cloud/aiplatform at run time. Only this script (and the API client, @vertexkit/jobs/client) uses it;
// here it is a devDependency, for users an optional peer dependency.
//
// Usage: node scripts/generate-schema.mjs [--check]   (--check: exit 1 when the committed files are stale)
/* global process, console */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const V1 = 'google.cloud.aiplatform.v1';

/** The messages users create; everything they reference (but output-only fields) comes along. */
export const ROOTS = [
  'CustomJob',
  'HyperparameterTuningJob',
  'BatchPredictionJob',
  'Model',
  'Endpoint',
  'DeployedModel',
  'UploadModelRequest',
  'DeployModelRequest',
  'UndeployModelRequest',
].map((name) => `${V1}.${name}`);

const SCALARS = new Set([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);

/** Well-known types the validator handles itself (their JSON forms differ from their message shapes). */
const WELL_KNOWN = new Set([
  'google.protobuf.Duration', 'google.protobuf.Timestamp', 'google.protobuf.Value', 'google.protobuf.Struct',
  'google.protobuf.ListValue', 'google.protobuf.Any', 'google.protobuf.FieldMask', 'google.protobuf.Empty',
  'google.protobuf.DoubleValue', 'google.protobuf.FloatValue', 'google.protobuf.Int64Value',
  'google.protobuf.UInt64Value', 'google.protobuf.Int32Value', 'google.protobuf.UInt32Value',
  'google.protobuf.BoolValue', 'google.protobuf.StringValue', 'google.protobuf.BytesValue',
]);

function aiplatformDir() {
  const require = createRequire(path.join(PACKAGE_DIR, 'package.json'));
  return path.dirname(require.resolve('@google-cloud/aiplatform/package.json'));
}

/** protobufjs 7 as google-gax (the client's transport) uses it: only for reading the .proto comments and options. */
function loadProtobufjs(aiplatform) {
  const fromAiplatform = createRequire(path.join(aiplatform, 'package.json'));
  const fromGax = createRequire(fromAiplatform.resolve('google-gax'));
  return fromGax('protobufjs');
}

function lookup(root, fullName) {
  let node = root;
  for (const part of fullName.split('.')) {
    node = node?.nested?.[part];
    if (!node) return undefined;
  }
  return node;
}

/** protobufjs resolution: a relative name is looked up in the enclosing scopes, innermost first. */
function resolveType(root, reference, scope) {
  if (reference.startsWith('.')) return reference.slice(1);
  const parts = scope.split('.');
  for (let i = parts.length; i >= 0; i--) {
    const candidate = [...parts.slice(0, i), reference].join('.');
    if (lookup(root, candidate)) return candidate;
  }
  if (WELL_KNOWN.has(reference)) return reference;
  throw new Error(`cannot resolve type ${reference} from ${scope}`);
}

/** Field behaviours and comments of every message in the .proto sources, by full name. */
function readProtoSources(protobufjs, protoDir) {
  const messages = new Map();
  const enums = new Map();
  const walk = (namespace, prefix) => {
    for (const nested of namespace.nestedArray ?? []) {
      const fullName = prefix ? `${prefix}.${nested.name}` : nested.name;
      if (nested instanceof protobufjs.Type) {
        const fields = new Map();
        for (const field of nested.fieldsArray) {
          const behaviors = (field.parsedOptions ?? [])
            .map((option) => option['(google.api.field_behavior)'])
            .filter((value) => typeof value === 'string');
          fields.set(field.name, { behaviors, comment: field.comment ?? '' });
        }
        messages.set(fullName, { comment: nested.comment ?? '', fields });
      } else if (nested instanceof protobufjs.Enum) {
        enums.set(fullName, { comment: nested.comment ?? '' });
      }
      if (nested.nestedArray) walk(nested, fullName);
    }
  };
  for (const file of readdirSync(protoDir).filter((name) => name.endsWith('.proto')).sort()) {
    const source = readFileSync(path.join(protoDir, file), 'utf8');
    const parsed = protobufjs.parse(source, { keepCase: false, alternateCommentMode: true });
    walk(parsed.root, '');
  }
  return { messages, enums };
}

export function generate() {
  const aiplatform = aiplatformDir();
  const version = JSON.parse(readFileSync(path.join(aiplatform, 'package.json'), 'utf8')).version;
  const protosJson = JSON.parse(readFileSync(path.join(aiplatform, 'build/protos/protos.json'), 'utf8'));
  const protobufjs = loadProtobufjs(aiplatform);
  const sources = readProtoSources(protobufjs, path.join(aiplatform, 'build/protos/google/cloud/aiplatform/v1'));

  const messages = {};
  const enums = {};
  const docs = { messages: {}, enums: {} };
  const queue = [...ROOTS];
  const seen = new Set();
  while (queue.length > 0) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    seen.add(name);
    const node = lookup(protosJson, name);
    if (!node) throw new Error(`${name} is not in protos.json`);
    const source = sources.messages.get(name) ?? sources.enums.get(name);
    if (node.values) {
      enums[name] = node.values;
      docs.enums[name] = source?.comment ?? '';
      continue;
    }
    if (!source) throw new Error(`${name} has no .proto source: field behaviours would be unknown`);
    const fields = {};
    const fieldDocs = {};
    for (const [fieldName, field] of Object.entries(node.fields ?? {})) {
      const sourceField = source.fields.get(fieldName);
      if (!sourceField) throw new Error(`${name}.${fieldName} is in protos.json but not in the .proto sources`);
      const type = SCALARS.has(field.type) ? field.type : resolveType(protosJson, field.type, name);
      const entry = { type };
      if (field.rule === 'repeated') entry.repeated = true;
      if (field.keyType) entry.keyType = field.keyType;
      if (sourceField.behaviors.includes('REQUIRED')) entry.required = true;
      if (sourceField.behaviors.includes('OUTPUT_ONLY')) entry.outputOnly = true;
      if (field.options?.deprecated === true) entry.deprecated = true;
      fields[fieldName] = entry;
      fieldDocs[fieldName] = sourceField.comment;
      // An output-only field is reported, not descended into: its types need not be known.
      if (!entry.outputOnly && !SCALARS.has(type) && !WELL_KNOWN.has(type)) queue.push(type);
    }
    const oneofs = {};
    for (const [oneofName, oneof] of Object.entries(node.oneofs ?? {})) {
      // proto3 `optional` makes a synthetic one-member oneof named `_field`: not a choice the user makes.
      const synthetic = oneof.oneof.length === 1 && node.fields?.[oneof.oneof[0]]?.options?.proto3_optional === true;
      if (!synthetic) oneofs[oneofName] = oneof.oneof;
    }
    messages[name] = Object.keys(oneofs).length > 0 ? { fields, oneofs } : { fields };
    docs.messages[name] = { comment: source.comment, fields: fieldDocs };
  }

  const schema = {
    source: `@google-cloud/aiplatform@${version} build/protos/protos.json + google/cloud/aiplatform/v1/*.proto`,
    roots: ROOTS,
    messages: sortKeys(messages),
    enums: sortKeys(enums),
  };
  const json = stringifySchema(schema);
  return {
    'src/generated/vertex-schema.json': json,
    'src/generated/vertex-schema-text.ts': schemaTextModule(json),
    'src/generated/vertex-types.ts': typesModule(schema, docs),
  };
}

function sortKeys(object) {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Compact, but one type per line so that an upgrade's diff says which types changed. */
function stringifySchema(schema) {
  const block = (object) =>
    Object.entries(object)
      .map(([name, value]) => `    ${JSON.stringify(name)}: ${JSON.stringify(value)}`)
      .join(',\n');
  return [
    '{',
    `  "source": ${JSON.stringify(schema.source)},`,
    `  "roots": ${JSON.stringify(schema.roots)},`,
    '  "messages": {',
    block(schema.messages),
    '  },',
    '  "enums": {',
    block(schema.enums),
    '  }',
    '}',
    '',
  ].join('\n');
}

function schemaTextModule(json) {
  return [
    '// Generated by scripts/generate-schema.mjs from @google-cloud/aiplatform\'s protos. Do not edit.',
    '// src/generated/vertex-schema.json as a string: a string literal costs almost nothing to load, and it is only',
    '// parsed when something is validated.',
    `export const VERTEX_SCHEMA_JSON: string = ${JSON.stringify(json)};`,
    '',
  ].join('\n');
}

// ---- TypeScript types ----------------------------------------------------------------------------------------

/** `google.cloud.aiplatform.v1.StudySpec.MetricSpec` -> `StudySpecMetricSpec`. */
function typeName(fullName) {
  return fullName.slice(V1.length + 1).split('.').join('');
}

const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

function tsType(field, owner, fieldName) {
  let type;
  if (owner === `${V1}.MachineSpec` && fieldName === 'machineType') type = 'MachineType';
  else if (field.type === `${V1}.EnvVar` && field.repeated) return 'EnvInput';
  else if (field.type === 'string' || field.type === 'bytes') type = 'string';
  else if (field.type === 'bool') type = 'boolean';
  else if (INT64.has(field.type)) type = 'Int64Input';
  else if (SCALARS.has(field.type)) type = 'number';
  else if (field.type === 'google.protobuf.Duration') type = 'DurationInput';
  else if (field.type === 'google.protobuf.Timestamp') type = 'TimestampInput';
  else if (field.type === 'google.protobuf.Value') type = 'JsonValue';
  else if (field.type === 'google.protobuf.Struct') type = 'JsonObject';
  else if (field.type === 'google.protobuf.ListValue') type = 'JsonValue[]';
  else if (field.type === 'google.protobuf.BoolValue') type = 'boolean';
  else if (field.type === 'google.protobuf.StringValue' || field.type === 'google.protobuf.BytesValue') type = 'string';
  else if (field.type === 'google.protobuf.Int64Value' || field.type === 'google.protobuf.UInt64Value') type = 'Int64Input';
  else if (field.type.startsWith('google.protobuf.Int') || field.type.startsWith('google.protobuf.UInt') || field.type === 'google.protobuf.DoubleValue' || field.type === 'google.protobuf.FloatValue') type = 'number';
  else if (WELL_KNOWN.has(field.type)) type = 'JsonObject';
  else type = typeName(field.type);
  if (field.keyType) return `Record<string, ${type}>`;
  if (field.repeated) return type.includes(' ') ? `Array<${type}>` : `${type}[]`;
  return type;
}

/** The first paragraph of a proto comment, links reduced to their text, safe inside a TSDoc block. */
function docLines(comment, extra = []) {
  const paragraph = [];
  for (const line of comment.split('\n')) {
    if (line.trim() === '') {
      if (paragraph.length > 0) break;
      continue;
    }
    paragraph.push(line.trim());
  }
  const text = paragraph
    .join(' ')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/\*\//g, '*\u200b/')
    .replace(/@/g, '\\@');
  const lines = text ? wrap(text, 108) : [];
  return [...lines, ...extra];
}

function wrap(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function docBlock(lines, indent) {
  if (lines.length === 0) return [];
  if (lines.length === 1) return [`${indent}/** ${lines[0]} */`];
  return [`${indent}/**`, ...lines.map((line) => `${indent} * ${line}`), `${indent} */`];
}

const CONVENIENCE_NOTES = {
  'google.protobuf.Duration': 'Accepts `"2h"`, `"30m"`, `"90s"`, `"1h30m"`, a number of seconds or `{ seconds, nanos }`.',
  'google.protobuf.Value': 'Any JSON value; sent as a google.protobuf.Value.',
  'google.protobuf.Struct': 'A JSON object; sent as a google.protobuf.Struct.',
};

function typesModule(schema, docs) {
  const out = [];
  const names = new Map();
  const claim = (fullName) => {
    const name = typeName(fullName);
    const previous = names.get(name);
    if (previous && previous !== fullName) throw new Error(`${fullName} and ${previous} would both be ${name}`);
    names.set(name, fullName);
    return name;
  };
  for (const [fullName, values] of Object.entries(schema.enums)) {
    const name = claim(fullName);
    const members = Object.keys(values).map((value) => `  | '${value}'`);
    out.push(...docBlock(docLines(docs.enums[fullName] ?? ''), ''), `export type ${name} =`, ...members);
    out[out.length - 1] += ';';
    out.push('');
  }
  for (const [fullName, message] of Object.entries(schema.messages)) {
    const name = claim(fullName);
    const messageDocs = docs.messages[fullName];
    const oneofNotes = Object.entries(message.oneofs ?? {}).map(
      ([oneof, members]) => `Set at most one of ${members.map((member) => `\`${member}\``).join(', ')} (oneof \`${oneof}\`).`,
    );
    out.push(...docBlock(docLines(messageDocs.comment, oneofNotes), ''), `export interface ${name} {`);
    for (const [fieldName, field] of Object.entries(message.fields)) {
      if (field.outputOnly) continue;
      const notes = [];
      const note = CONVENIENCE_NOTES[field.type];
      if (note) notes.push(note);
      if (field.deprecated) notes.push('@deprecated');
      out.push(...docBlock(docLines(messageDocs.fields[fieldName] ?? '', notes), '  '));
      out.push(`  ${fieldName}${field.required ? '' : '?'}: ${tsType(field, fullName, fieldName)};`);
    }
    out.push('}', '');
  }
  const body = out.join('\n');
  const inputs = ['DurationInput', 'EnvInput', 'Int64Input', 'JsonObject', 'JsonValue', 'TimestampInput'].filter((name) =>
    new RegExp(`\\b${name}\\b`).test(body),
  );
  const header = [
    '// Generated by scripts/generate-schema.mjs from @google-cloud/aiplatform\'s protos. Do not edit.',
    '// The Vertex AI v1 messages as users write them (proto3 JSON, camelCase), output-only fields left out.',
    '// TSDoc is the first paragraph of the proto comment. Conveniences over the wire format: Duration fields take',
    '// "2h" or seconds, `env` takes a record, google.protobuf.Value takes plain JSON, int64 takes a number or a decimal',
    '// string.',
    "import type { MachineType } from '../lib/machine-types.js';",
    `import type { ${inputs.join(', ')} } from '../lib/spec-inputs.js';`,
    '',
  ];
  return `${header.join('\n')}\n${body}`;
}

function main() {
  const check = process.argv.includes('--check');
  const files = generate();
  let stale = false;
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(PACKAGE_DIR, relative);
    let current = null;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // missing: written below, or stale under --check
    }
    if (current === content) continue;
    if (check) {
      console.error(`${relative} is stale: run node scripts/generate-schema.mjs`);
      stale = true;
    } else {
      writeFileSync(file, content);
      console.log(`wrote ${relative} (${content.length} bytes)`);
    }
  }
  if (stale) process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
