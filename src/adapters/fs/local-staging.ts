// A build's output staged in a local directory of its own (<parent>/<project>@<version>-<uuid>/out,
// the archive is packed beside it), handed out as a Staging: whoever fills it never sees how the
// store publishes. Both stores stage locally; a publish that succeeds removes the directory.
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildLimits } from '../../domain/build-limits.js';
import type { PublishedStats, Staging } from '../../ports/version-store.js';

export async function createLocalStaging(parent: string, project: string, version: string, publish: (dir: string, limits?: BuildLimits) => Promise<PublishedStats>): Promise<Staging> {
  const root = join(parent, `${project}@${version}-${randomUUID()}`);
  const dir = join(root, 'out');
  await mkdir(dir, { recursive: true });
  const discard = () => rm(root, { recursive: true, force: true });
  return {
    dir,
    publish: async (limits) => {
      const stats = await publish(dir, limits);
      await discard();
      return stats;
    },
    discard,
  };
}
