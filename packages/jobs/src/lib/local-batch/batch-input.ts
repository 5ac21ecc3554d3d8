// The instances of a local batch prediction run: which files the input URIs name (Cloud Storage wildcards, a
// folder, a single file), a fingerprint of them so that a resumed run can tell the input changed, and their
// lines, numbered across all files: the number of an instance is what the journal records.
import { StringDecoder } from 'node:string_decoder';
import { list, parseLocation, readStream, stat, type ObjectInfo, type Storage } from '@vertexkit/storage';
import { JobsError } from '../jobs-error.js';

/** One input file and what identifies its content. */
export interface InputFile {
  uri: string;
  size: number;
  /** md5 or generation on Cloud Storage, the modification time locally: changes when the content does. */
  version: string;
}

/** One line of the input: a parsed instance, or the reason it is not one. */
export type InputLine =
  | { ordinal: number; file: string; line: number; instance: unknown }
  | { ordinal: number; file: string; line: number; text: string; problem: string };

const WILDCARD = /[*?[]/;

/**
 * The files `uris` name, in order: each URI's matches sorted by name, a file named twice read once. As in
 * Vertex AI, a URI may use Cloud Storage wildcards (`*` within a name, `**` across folders, `?`, `[abc]`);
 * beyond Vertex AI, a local folder or a `gs://.../` prefix reads every file below it (names starting with a
 * dot skipped).
 */
export async function resolveInputFiles(params: { uris: string[]; field: string; storage?: Storage; signal?: AbortSignal }): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const seen = new Set<string>();
  for (const [index, uri] of params.uris.entries()) {
    const field = `${params.field}[${index}]`;
    let location;
    try {
      location = parseLocation(uri);
    } catch (error) {
      throw new JobsError('INVALID_ARGUMENT', `${field}: ${(error as Error).message}`, { cause: error });
    }
    const matches = await matchesOf(location.uri, params.storage, params.signal);
    if (matches.length === 0) {
      throw new JobsError('INVALID_ARGUMENT', `${field}: ${JSON.stringify(uri)} names no file; give a JSON Lines file, a folder, or a wildcard such as gs://bucket/input/*.jsonl`, {
        issues: [{ path: field, message: 'names no file' }],
      });
    }
    for (const info of matches.sort((a, b) => (a.location.uri < b.location.uri ? -1 : a.location.uri > b.location.uri ? 1 : 0))) {
      if (seen.has(info.location.uri)) continue;
      seen.add(info.location.uri);
      files.push({ uri: info.location.uri, size: info.size, version: info.md5 ?? info.generation ?? info.updated?.toISOString() ?? '' });
    }
  }
  return files;
}

async function matchesOf(uri: string, storage: Storage | undefined, signal: AbortSignal | undefined): Promise<ObjectInfo[]> {
  const wildcard = WILDCARD.exec(uri);
  if (wildcard) {
    const pattern = wildcardPattern(uri);
    const prefix = uri.slice(0, wildcard.index);
    const found: ObjectInfo[] = [];
    for await (const entry of list({ prefix, recursive: true, storage, signal })) {
      if (entry.type === 'file' && pattern.test(entry.location.uri)) found.push(entry);
    }
    return found;
  }
  if (!uri.endsWith('/')) {
    const info = await stat({ from: uri, storage, signal }).catch(() => undefined);
    if (info) return [info];
  }
  const prefix = uri.endsWith('/') ? uri : `${uri}/`;
  const found: ObjectInfo[] = [];
  for await (const entry of list({ prefix, recursive: true, storage, signal })) {
    if (entry.type !== 'file') continue;
    const name = entry.location.uri.slice(prefix.length);
    if (name.split('/').some((part) => part.startsWith('.'))) continue;
    found.push(entry);
  }
  return found;
}

/** Cloud Storage wildcard semantics: `**` any characters, `*` any but `/`, `?` one but `/`, `[...]` a class. */
function wildcardPattern(uri: string): RegExp {
  let source = '';
  for (let index = 0; index < uri.length; index++) {
    const char = uri[index]!;
    if (char === '*' && uri[index + 1] === '*') {
      source += '.*';
      index++;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '[') {
      const end = uri.indexOf(']', index + 1);
      if (end === -1) {
        source += '\\[';
      } else {
        source += `[${uri.slice(index + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        index = end;
      }
    } else {
      source += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * Every instance of the files, in order, numbered from 0 across files. Blank lines are not instances. A line that
 * is not JSON is yielded with its text and the problem (it becomes an error record, as a failed instance).
 */
export async function* readInputLines(params: { files: InputFile[]; storage?: Storage; signal?: AbortSignal }): AsyncGenerator<InputLine> {
  let ordinal = 0;
  for (const file of params.files) {
    const stream = await readStream({ from: file.uri, storage: params.storage, signal: params.signal });
    try {
      let line = 0;
      for await (const text of textLines(stream)) {
        line++;
        if (text.trim() === '') continue;
        try {
          yield { ordinal, file: file.uri, line, instance: JSON.parse(text) as unknown };
        } catch (error) {
          yield { ordinal, file: file.uri, line, text, problem: `${file.uri} line ${line}: not valid JSON (${(error as Error).message}); each line must hold one JSON value` };
        }
        ordinal++;
      }
    } finally {
      stream.destroy();
    }
  }
}

/** The lines of a byte stream, decoded as UTF-8, without `\n` or `\r\n`, a leading byte order mark dropped. */
async function* textLines(stream: AsyncIterable<unknown>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let first = true;
  const strip = (text: string): string => (text.endsWith('\r') ? text.slice(0, -1) : text);
  for await (const chunk of stream) {
    let text = decoder.write(chunk as Buffer);
    if (first && text !== '') {
      if (text.startsWith('\uFEFF')) text = text.slice(1);
      first = false;
    }
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield strip(pending + text.slice(start, end));
      pending = '';
      start = end + 1;
    }
    pending += text.slice(start);
  }
  pending += decoder.end();
  if (pending !== '') yield strip(pending);
}
