// A YAML writer for the JSON-shaped configs gcloud reads with --config. Strings that YAML 1.1 (PyYAML, which
// gcloud uses) could read as something else (yes, on, 1.0, 2h:30, ~) are double-quoted, JSON style.

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@-]*$/;
const YAML11_WORDS = /^(y|n|yes|no|on|off|true|false|null)$/i;

function scalar(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
  return PLAIN.test(text) && !YAML11_WORDS.test(text) ? text : JSON.stringify(text);
}

function key(name: string): string {
  return PLAIN.test(name) && !YAML11_WORDS.test(name) ? name : JSON.stringify(name);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lines(value: unknown, indent: string): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}[]`];
    return value.flatMap((item: unknown) => {
      if ((isObject(item) && Object.keys(item).length > 0) || (Array.isArray(item) && item.length > 0)) {
        const [first = '', ...rest] = lines(item, `${indent}  `);
        return [`${indent}- ${first.slice(indent.length + 2)}`, ...rest];
      }
      return [`${indent}- ${inline(item)}`];
    });
  }
  if (isObject(value)) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    if (entries.length === 0) return [`${indent}{}`];
    return entries.flatMap(([name, item]) => {
      if ((isObject(item) && Object.keys(item).length > 0) || (Array.isArray(item) && item.length > 0)) {
        return [`${indent}${key(name)}:`, ...lines(item, `${indent}  `)];
      }
      return [`${indent}${key(name)}: ${inline(item)}`];
    });
  }
  return [`${indent}${scalar(value)}`];
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return '[]';
  if (isObject(value)) return '{}';
  return scalar(value);
}

/** A JSON-shaped value as block-style YAML, ending with a newline. */
export function toYaml(value: unknown): string {
  return `${lines(value, '').join('\n')}\n`;
}
