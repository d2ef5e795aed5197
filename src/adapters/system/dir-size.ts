/** Sizes and listings of a folder tree (the soak's artifacts folder). Symbolic links are not followed. */
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** A file below a folder. */
export interface FileEntry {
  /** Relative to the folder, with forward slashes. */
  readonly path: string;
  readonly bytes: number;
  readonly mtimeMs: number;
}

/** Lists every file below `dir` (an absent folder is empty). */
export async function listFiles(dir: string): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  const walk = async (d: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      let st;
      try {
        st = await lstat(p);
      } catch {
        continue; // removed while we walked
      }
      if (st.isDirectory()) await walk(p);
      else if (st.isFile())
        out.push({ path: relative(dir, p).split(sep).join('/'), bytes: st.size, mtimeMs: st.mtimeMs });
    }
  };
  await walk(dir);
  return out;
}

/** Total size of the files below `dir`, in bytes. */
export async function dirSize(dir: string): Promise<number> {
  return (await listFiles(dir)).reduce((s, f) => s + f.bytes, 0);
}
