// YAML in and out for the files gcloud reads. gcloud parses YAML 1.1 (PyYAML/ruamel), where `yes`, `on`, `1:30` and
// `0x1F` are not strings; writing with the `yaml` package's 1.1 schema quotes exactly those, and reading with it
// shows a file as gcloud will see it (an unquoted `on` becomes `true`, which Cloud Run then refuses as an annotation).
import { LineCounter, parseDocument, stringify, visit } from 'yaml';
import type { ContainersIssue } from '../containers-error.js';

/** A JSON-shaped value as block YAML, never folded (long `args` stay on one line), ending with a newline. */
export function toYamlText(value: unknown): string {
  return stringify(value, { version: '1.1', lineWidth: 0, minContentWidth: 0 });
}

/** The parsed document, or the syntax errors as issues located by line (`line 3`). */
export function parseYamlText(text: string): { value: unknown; issues: ContainersIssue[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { version: '1.1', lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => {
      const position = lineCounter.linePos(error.pos[0]);
      return { path: `line ${position.line}`, message: `not valid YAML: ${error.message.split('\n')[0] ?? error.code}; fix the syntax first` };
    });
    return { value: undefined, issues };
  }
  // The `yaml` package's 1.1 floats take a bare `.` (the Docker build context) for NaN; PyYAML, which gcloud uses,
  // wants a digit in a float and reads `.` as a string. Follow PyYAML.
  visit(document, {
    Scalar(_key, node) {
      if (node.type === 'PLAIN' && typeof node.value === 'number' && typeof node.source === 'string' && !/\d|^[-+]?\.(?:inf|nan)$/i.test(node.source)) {
        node.value = node.source;
      }
    },
  });
  return { value: document.toJS({ maxAliasCount: 100 }) as unknown, issues: [] };
}
