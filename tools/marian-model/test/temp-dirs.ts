import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory per call, all removed by `removeAll` (call it in afterAll). */
export function tempDirs() {
  const created: string[] = [];
  return {
    async make(name: string): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), `marian-${name}-`));
      created.push(dir);
      return dir;
    },
    async removeAll(): Promise<void> {
      await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}
