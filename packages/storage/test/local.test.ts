import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { createStorage } from '../src/index.js';
import { describeStorageContract } from './contract.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

describeStorageContract('local folder', {
  root: () => {
    const dir = path.join(os.tmpdir(), `vk-local-${process.pid}-${Date.now()}`);
    dirs.push(dir);
    return `${dir}/`;
  },
  storage: () => createStorage(),
});
