// One CSV file -> TextExample[]: picks the text and label columns (by header name or 0-based index) and
// checks every row, so a bad file fails with its name, the line and the fix rather than deep in training.
import { open } from 'node:fs/promises';
import { readCsv, readCsvHeader, StorageError } from '@vertexkit/storage';
import type { TextExample } from '@vertexkit/trainer';
import { DataError } from './errors.ts';

/** Which columns hold the text and the label(s), as the flags give them. */
export interface ColumnSelection {
  /** Header name or 0-based index. */
  text: string;
  /** Single-label: the label column. Ignored when `labels` is set. */
  label: string;
  /** Multi-label: one-hot 0/1 columns; their header names are the label names. */
  labels?: readonly string[];
  /** Multi-label: the `label` column holds a row's labels joined by this (`tech|food`). */
  labelDelimiter?: string;
}

/** Parameters of {@link readExamples}. */
export interface ReadExamplesParams {
  /** The local copy of the file. */
  file: string;
  /** The file as the user knows it (e.g. `gs://my-bucket/spam/train.csv`), for messages. */
  name: string;
  columns: ColumnSelection;
  delimiter: string;
  /** The first row names the columns. */
  header: boolean;
  /** Labels the rows may use (dev.csv and test.csv: those of train.csv), and where they come from. */
  knownLabels?: { labels: readonly string[]; from: string };
}

/** What {@link readExamples} found. */
export interface ExamplesRead {
  examples: TextExample[];
  /** Multi-label: the label names, in the order of the one-hot columns. */
  labelColumns?: string[];
}

/** Line breaks inside a row's (quoted) fields, a CRLF counting as one: rows after it start that much lower. */
function lineBreaks(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) if (/[\r\n]/.test(field)) count += field.match(/\r\n|\r|\n/g)?.length ?? 0;
  return count;
}

/** A missing column or a row of the wrong width: what a wrong --delimiter looks like. */
class RowShapeError extends DataError {}

const isBlankLine = (fields: readonly string[]): boolean => fields.length === 1 && fields[0] === '';

const DELIMITER_NAMES: Record<string, string> = { ',': 'comma', '\t': 'tab', ';': 'semicolon', '|': 'pipe' };
const shownDelimiter = (delimiter: string): string => (delimiter === '\t' ? "'\\t'" : `'${delimiter}'`);

/**
 * When the first line of the file splits on another common delimiter but not on `delimiter`, the hint to
 * add to a parse or column error: the usual cause of both is a TSV or semicolon file read as CSV.
 */
export async function delimiterHint(file: string, delimiter: string): Promise<string> {
  const handle = await open(file, 'r');
  let firstLine: string;
  try {
    const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(64 * 1024), position: 0 });
    firstLine = buffer.toString('utf8', 0, bytesRead).split(/\r?\n/, 1)[0] ?? '';
  } finally {
    await handle.close();
  }
  // Count outside double quotes: a comma inside a quoted field separates nothing.
  const counts = new Map<string, number>();
  let quoted = false;
  for (const char of firstLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char in DELIMITER_NAMES || char === delimiter)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  if ((counts.get(delimiter) ?? 0) > 0) return '';
  const [best] = [...counts.entries()].filter(([char]) => char !== delimiter).sort((a, b) => b[1] - a[1]);
  if (best === undefined) return '';
  return `; its first line has no ${shownDelimiter(delimiter)} but ${best[1]} ${DELIMITER_NAMES[best[0]]}${best[1] === 1 ? '' : 's'}: add --delimiter ${shownDelimiter(best[0])}`;
}

/** The index of the column a flag names, checked against the header (when there is one). */
function resolveColumn(flag: string, column: string, header: readonly string[] | undefined, name: string): number {
  const byName = header?.indexOf(column) ?? -1;
  if (byName !== -1) return byName;
  if (/^\d+$/.test(column)) {
    const index = Number(column);
    if (header === undefined || index < header.length) return index;
    throw new RowShapeError(`${flag} ${column} is past the last column of ${name}: it has ${header.length} (${header.join(', ')}); indexes start at 0`);
  }
  const columns = header === undefined ? '' : `; its columns are: ${header.join(', ')}`;
  throw new RowShapeError(`${flag} "${column}" is not a column of ${name}${columns}`);
}

const quoted = (header: readonly string[] | undefined, index: number): string =>
  header === undefined ? `column ${index}` : `column "${header[index]}"`;

/**
 * Read the examples of one CSV file.
 *
 * @throws {@link DataError} naming the file (and line) for a missing column, an empty file, a row without
 *   text or label, a one-hot field other than 0 or 1, a label train.csv does not have, malformed CSV.
 */
export async function readExamples(params: ReadExamplesParams): Promise<ExamplesRead> {
  const { file, name, columns, delimiter } = params;
  try {
    const header = params.header ? await readCsvHeader({ from: file, delimiter }) : undefined;
    const text = resolveColumn('--text-column', columns.text, header, name);
    const oneHot = columns.labels?.map((column) => resolveColumn('--label-columns', column, header, name));
    const label = oneHot ? -1 : resolveColumn('--label-column', columns.label, header, name);
    const labelColumns = oneHot && header ? oneHot.map((index) => header[index] as string) : undefined;
    const widest = Math.max(text, label, ...(oneHot ?? []));
    const known = params.knownLabels ? new Set(params.knownLabels.labels) : undefined;

    const examples: TextExample[] = [];
    let line = 1;
    let headerSkipped = header === undefined;
    // Rows come as arrays (header: false) so that line numbers stay exact: blank lines are seen, not skipped.
    for await (const fields of readCsv({ from: file, delimiter, header: false, skipEmptyLines: false })) {
      const at = `${name} line ${line}`;
      line += 1 + lineBreaks(fields);
      if (isBlankLine(fields)) continue;
      if (!headerSkipped) {
        headerSkipped = true;
        continue;
      }
      if (header !== undefined && fields.length !== header.length) {
        throw new RowShapeError(`${at}: the row has ${fields.length} fields, the header ${header.length}; quote fields that contain "${delimiter}" or line breaks`);
      }
      if (fields.length <= widest) {
        throw new RowShapeError(`${at}: the row has ${fields.length} field${fields.length === 1 ? '' : 's'}, but column ${widest} is used; check --delimiter and the column flags`);
      }
      const textValue = fields[text] as string;
      if (textValue.trim() === '') throw new DataError(`${at}: the text (${quoted(header, text)}) is empty; fill it in or remove the row`);

      if (oneHot) {
        const labels: string[] = [];
        oneHot.forEach((index, i) => {
          const value = (fields[index] as string).trim();
          if (value === '1') labels.push(labelColumns?.[i] ?? String(index));
          else if (value !== '0') throw new DataError(`${at}: ${quoted(header, index)} holds "${value}"; one-hot label columns hold 0 or 1`);
        });
        examples.push({ text: textValue, labels });
        continue;
      }
      const labelValue = (fields[label] as string).trim();
      // Multi-label from one column: an empty value is a row with no labels, as an all-0 one-hot row is.
      const rowLabels = columns.labelDelimiter === undefined
        ? [labelValue]
        : [...new Set(labelValue.split(columns.labelDelimiter).map((part) => part.trim()).filter((part) => part !== ''))];
      if (columns.labelDelimiter === undefined && labelValue === '') {
        throw new DataError(`${at}: the label (${quoted(header, label)}) is empty; every row needs one`);
      }
      for (const value of rowLabels) {
        if (known && !known.has(value)) {
          const from = params.knownLabels as { labels: readonly string[]; from: string };
          throw new DataError(`${at}: label "${value}" does not occur in ${from.from} (its labels: ${from.labels.join(', ')}); a model cannot learn a label it never saw`);
        }
      }
      examples.push({ text: textValue, labels: rowLabels });
    }
    if (examples.length === 0) {
      throw new DataError(header ? `${name} has a header but no rows` : `${name} is empty`);
    }
    return labelColumns ? { examples, labelColumns } : { examples };
  } catch (error) {
    // Storage reports malformed CSV against the local copy; the user knows the file by its source name.
    if (StorageError.isInstance(error) && error.code === 'INVALID_DATA') {
      throw new DataError(`${error.message.replaceAll(file, name)}${await delimiterHint(file, delimiter)}`, { cause: error });
    }
    // A missing column or a short row, on a file with another delimiter: say which one it has.
    if (error instanceof RowShapeError) {
      const hint = await delimiterHint(file, delimiter);
      if (hint !== '') throw new DataError(`${error.message}${hint}`, { cause: error });
    }
    throw error;
  }
}
