// What a killed server left half done (staging, checkouts, versions renamed aside) is moved out of
// the way at start with one rename per directory, whatever its size, so serving starts at once;
// it is deleted later, in the background. Whatever this start writes goes to fresh directories of
// the same names, never into what was set aside, so the sweep cannot take anything it uses.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';

export class Leftovers {
  constructor(private readonly dir: string) {}

  /** Moves each path that exists into the leftovers (deletes it now if it is on another filesystem). */
  async setAside(paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      if (!existsSync(path)) continue;
      await mkdir(this.dir, { recursive: true });
      await rename(path, join(this.dir, `${basename(path)}-${randomUUID()}`)).catch(async (error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return;
        if (code === 'EXDEV') return rm(path, { recursive: true, force: true });
        throw error;
      });
    }
  }

  /** Deletes what was set aside, by this start and by earlier ones whose sweep a kill cut short; how many entries. */
  async sweep(): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await rm(this.dir, { recursive: true, force: true });
    return names.length;
  }
}
