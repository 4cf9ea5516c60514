// The hook outbox on disk: <root>/<hook-id>/<seq>.json, one file per delivery, each written whole
// (temp file, then rename), plus <root>/routes.json with the hooks of the last valid opus.yaml.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeliveryRecord } from '../../domain/hook-deliveries.js';
import type { HookSpec } from '../../domain/hooks.js';
import type { HookOutbox } from '../../ports/hook-outbox.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

const RECORD = /^(\d{12})\.json$/;
const HOOK_DIR = /^[a-z0-9][a-z0-9-]*$/;

export class FsHookOutbox implements HookOutbox {
  constructor(readonly root: string) {}

  async hookIds(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && HOOK_DIR.test(e.name)).map((e) => e.name).sort();
  }

  async load(hook: string): Promise<DeliveryRecord[]> {
    const dir = join(this.root, hook);
    const names = await readdir(dir).catch(() => [] as string[]);
    const records: DeliveryRecord[] = [];
    for (const name of names.sort()) {
      if (name.endsWith('.tmp')) {
        // Left by a write that a crash interrupted; the record it would have replaced is still there.
        await rm(join(dir, name), { force: true });
        continue;
      }
      if (!RECORD.test(name)) continue;
      try {
        records.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as DeliveryRecord);
      } catch {
        // Unreadable: never written whole by us. Skipped rather than blocking the hook forever.
      }
    }
    return records.sort((a, b) => a.seq - b.seq);
  }

  save(record: DeliveryRecord): Promise<void> {
    return writeFileAtomic(this.pathOf(record), `${JSON.stringify(record, null, 2)}\n`);
  }

  remove(record: DeliveryRecord): Promise<void> {
    return rm(this.pathOf(record), { force: true });
  }

  async readRoutes(): Promise<HookSpec[] | undefined> {
    try {
      return JSON.parse(await readFile(join(this.root, 'routes.json'), 'utf8')) as HookSpec[];
    } catch {
      return undefined;
    }
  }

  saveRoutes(hooks: HookSpec[]): Promise<void> {
    return writeFileAtomic(join(this.root, 'routes.json'), `${JSON.stringify(hooks, null, 2)}\n`);
  }

  private pathOf(record: DeliveryRecord): string {
    return join(this.root, record.hook, `${String(record.seq).padStart(12, '0')}.json`);
  }
}
