// The .tar.gz of a source distribution, byte for byte the same for the same files: entries in path order under
// one `<name>-<version>/` folder, every header with the same time, owner and mode, and a gzip header without a
// time or an operating system. (setuptools' own sdists differ on every build: they carry the build time.)
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/**
 * Every entry's mtime: 1980-01-01T00:00:00Z, the earliest time a zip can hold, which reproducible builds (and
 * wheels) use. A time before it makes some tools warn of an implausible date.
 */
export const SDIST_MTIME = new Date(Date.UTC(1980, 0, 1));

/**
 * The tar.gz of `files` (path under the root -> content) under `root/`. Directories get their own entries
 * (0755), files are 0644; owner and group are 0 with no names.
 */
export async function buildSdistArchive(root: string, files: ReadonlyMap<string, Uint8Array>): Promise<Buffer> {
  const paths = [...files.keys()];
  const directories = new Set<string>();
  for (const file of paths) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i += 1) directories.add(`${parts.slice(0, i).join('/')}/`);
  }
  const entries = ['', ...directories, ...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const tar = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    tar.on('data', (chunk: Buffer) => chunks.push(chunk));
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  const common = { mtime: SDIST_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
  for (const entry of entries) {
    const name = `${root}/${entry}`;
    if (entry === '' || entry.endsWith('/')) {
      tar.entry({ ...common, name, type: 'directory', mode: 0o755 });
    } else {
      const content = Buffer.from(files.get(entry) ?? new Uint8Array());
      tar.entry({ ...common, name, type: 'file', mode: 0o644, size: content.length }, content);
    }
  }
  tar.finalize();
  await done;
  const gzip = gzipSync(Buffer.concat(chunks), { level: 9 });
  // zlib writes no time (bytes 4-7 stay 0) but the operating system it was built for in byte 9; 255 is "unknown",
  // as Python's gzip module writes it. The header is outside the CRC, so this changes nothing else.
  gzip[9] = 0xff;
  return gzip;
}
