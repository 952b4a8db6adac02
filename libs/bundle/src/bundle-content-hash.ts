import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface BundleFile {
  /** Path relative to the bundle directory, always with `/`, so the hash is the same on every OS. */
  relativePath: string;
  content: Buffer;
}

/** Every regular file under `dir`, sorted by relative path. Symbolic links are followed. */
export function listBundleFiles(dir: string): BundleFile[] {
  const files: BundleFile[] = [];
  collect(dir, '', files);
  return files.sort((a, b) =>
    a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0,
  );
}

function collect(root: string, relativeDir: string, into: BundleFile[]): void {
  for (const entry of readdirSync(join(root, relativeDir), { withFileTypes: true })) {
    const relativePath = relativeDir === '' ? entry.name : posix.join(relativeDir, entry.name);
    const absolutePath = join(root, relativePath);
    if (entry.isDirectory()) {
      collect(root, relativePath, into);
    } else {
      into.push({ relativePath, content: readFileSync(absolutePath) });
    }
  }
}

/**
 * SHA-256 over (path, NUL, content, NUL) of every file in path order. Every file counts, not
 * only the ones the loader reads: the hash stamped on a decision must identify the exact
 * directory that was reviewed, and the NULs keep "a"+"bc" from colliding with "ab"+"c".
 */
export function hashBundleFiles(files: readonly BundleFile[]): string {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file.relativePath, 'utf8');
    hash.update(Buffer.of(0));
    hash.update(file.content);
    hash.update(Buffer.of(0));
  }
  return hash.digest('hex');
}
