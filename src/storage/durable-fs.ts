// File steps that survive kill -9 and power loss: data is fsynced before it gets its final name, and the directory
// is fsynced after the rename, so a reader never finds a half-written file under a live name.
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Makes renames/creations/unlinks inside `dir` durable (Linux needs the directory itself fsynced). */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync(tmp), rename(tmp, final), fsync(dir of final). */
export async function publishFile(tmp: string, final: string): Promise<void> {
  await fsyncFile(tmp);
  await rename(tmp, final);
  await fsyncDir(dirname(final));
}

/** Replaces `path` atomically with `data`: readers see the old or the new content, never a mix. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, data);
  await publishFile(tmp, path);
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
