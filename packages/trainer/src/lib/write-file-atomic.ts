import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes a file under a temporary name beside it, then renames it into place: a reader (or a job restarted
 * after a crash) sees the old file or the whole new one, never a half-written one. Ten lines rather than a
 * dependency, as the trainer's dependencies stay at the ONNX schema.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temporary, typeof data === 'string' || data instanceof Uint8Array ? data : Buffer.concat(data));
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
