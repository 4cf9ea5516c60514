// A sync service on one machine, wired for real: a git source repo with the given tags, a git
// config repo with the given files, Docker builds, the artifact tree on disk; every event kept.
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Docker from 'dockerode';
import { DockerBuildRunner } from '../../src/adapters/docker/docker-build-runner.js';
import { FsArtifactStore } from '../../src/adapters/fs/fs-artifact-store.js';
import { GitConfigSource } from '../../src/adapters/git/git-config-source.js';
import { GitSourceRepos } from '../../src/adapters/git/git-source-repos.js';
import type { OpusEvent } from '../../src/domain/events.js';
import { BuildQueue } from '../../src/services/build-queue.js';
import { BuildService } from '../../src/services/build-service.js';
import { silentLogger } from '../../src/services/logger.js';
import { SiteTable } from '../../src/services/site-table.js';
import { gitSync, makeSourceRepo, tempDir, writeFiles } from './fixtures.js';
import { syncWiring } from './sync-wiring.js';

export async function localSync(t: TestContext, versions: Record<string, Record<string, string>>, files: (source: string) => Record<string, string>) {
  const dir = await tempDir(t, 'opus-local-sync-');
  const source = await makeSourceRepo(join(dir, 'app'), versions);
  const configDir = join(dir, 'config');
  await writeFiles(configDir, files(source));
  gitSync(configDir, 'init', '--quiet');
  gitSync(configDir, 'add', '--all');
  gitSync(configDir, 'commit', '--quiet', '-m', 'init');
  const store = new FsArtifactStore(join(dir, 'artifacts'));
  const sites = new SiteTable(store);
  await sites.load();
  const queue = new BuildQueue(1);
  const sources = new GitSourceRepos();
  const events: Omit<OpusEvent, 'at'>[] = [];
  const sink = { emit: (e: Omit<OpusEvent, 'at'>) => void events.push(e) };
  const builds = new BuildService(store, sources, new DockerBuildRunner(new Docker()), silentLogger, sink, undefined, join(dir, 'checkouts'));
  const { sync, scheduler } = syncWiring({ config: new GitConfigSource(configDir, join(dir, 'state')), sources, store, builds, queue, sites, logger: silentLogger, events: sink });
  t.after(() => queue.idle());
  return { dir, source, configDir, store, sites, queue, sources, builds, sync, scheduler, events };
}
