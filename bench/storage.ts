// Storage benchmark: 10 releases of one site in which only the app JS (and the index.html that
// names it) changes, published through the real FsArtifactStore.publish; then the disk they use,
// counted like `du` (allocated blocks, each hard-linked inode once). Two figures: the version
// directories (deduplicated through the content store) and the archives beside them (their
// compressed bytes, which no deduplication can share).
//
//   npm run bench:storage [-- --releases 10]
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { FsArtifactStore } from '../src/adapters/fs/fs-artifact-store.js';
import { diskUsage, formatBytes, type Categorize, type Usage } from './lib/disk-usage.js';
import { publishVersion } from './lib/opus.js';
import { storageSite } from './lib/sites.js';

const { values: flags } = parseArgs({ options: { releases: { type: 'string', default: '10' } } });
const releases = Number(flags.releases);

function describeSite(files: Record<string, string | Buffer>): string {
  const size = (match: (path: string) => boolean) => Object.entries(files).filter(([p]) => match(p)).reduce((sum, [, c]) => sum + Buffer.byteLength(c), 0);
  const total = size(() => true);
  const parts = [
    `vendor JS ${formatBytes(size((p) => p.includes('/vendor-')))}`,
    `app JS ${formatBytes(size((p) => p.includes('/index-') && p.endsWith('.js')))} (changes)`,
    `CSS ${formatBytes(size((p) => p.endsWith('.css')))}`,
    `images and fonts ${formatBytes(size((p) => /\.(png|woff2)$/.test(p)))}`,
    `index.html ${formatBytes(size((p) => p === 'index.html'))} (changes)`,
  ];
  return `${Object.keys(files).length} files, ${formatBytes(total)}: ${parts.join(', ')}, favicon and robots.txt`;
}

async function main(): Promise<number> {
  const tmp = await mkdtemp(join(tmpdir(), 'opus-bench-storage-'));
  try {
    const root = join(tmp, 'artifacts');
    const store = new FsArtifactStore(root);
    const cas = join(root, '.opus', 'cas');
    const archives = join(root, 'site', 'archive');
    const categorize: Categorize = (path, isDir) => {
      if (isDir) return 'directories';
      if (path.startsWith(archives + sep)) return 'archives (.tar.gz)';
      if (path.startsWith(cas + sep)) return /\.(br|gz)$/.test(path) ? 'precompressed variants (.br, .gz)' : 'contents (hard-linked from versions)';
      return 'files';
    };
    const versions: string[] = [];
    let firstAsStored: Usage | undefined;
    for (let n = 1; n <= releases; n++) {
      const version = `1.0.${n}`;
      const site = storageSite(n);
      if (n === 1) {
        console.log(`Opus storage benchmark: ${releases} releases of one site; only the app JS and the index.html that names it change`);
        console.log(`each release: ${describeSite(site.files)}`);
      }
      await publishVersion(store, 'site', version, site.files);
      versions.push(version);
      // What one release costs in a store that holds only it: its directory, its contents and their variants.
      if (n === 1) firstAsStored = await diskUsage([cas, store.versionDir('site', version)], categorize);
    }
    const dirs = versions.map((v) => store.versionDir('site', v));
    console.log(`published with FsArtifactStore (createStaging → write → publish) into ${root}`);
    console.log('disk used = allocated blocks (st_blocks × 512), directories included, each inode once (hard links deduplicated by dev+ino), like du.\n');

    const one = await diskUsage([dirs[0] as string], categorize);
    // The store first: a content reached from both counts as the store's.
    const stored = await diskUsage([cas, ...dirs], categorize);
    const archived = await diskUsage([archives], categorize);
    const wholeRoot = await diskUsage([root], categorize);

    const ratio = stored.bytes / one.bytes;
    const rows: [string, Usage, string][] = [
      [`one version directory alone (site/${versions[0]})`, one, ''],
      [`all ${releases} version directories + content store (.opus/cas)`, stored, `${ratio.toFixed(2)}x one version`],
      [`all ${releases} archives (site/archive/*.tar.gz)`, archived, `${(archived.bytes / one.bytes).toFixed(2)}x one version`],
      [`whole artifact root (versions, archives, .opus bookkeeping)`, wholeRoot, `${(wholeRoot.bytes / one.bytes).toFixed(2)}x one version`],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    console.log(`${'what'.padEnd(width)}  ${'disk used'.padStart(10)}  ${'apparent'.padStart(10)}  ratio`);
    for (const [label, usage, note] of rows) console.log(`${label.padEnd(width)}  ${formatBytes(usage.bytes).padStart(10)}  ${formatBytes(usage.apparent).padStart(10)}  ${note}`);
    const asStored = firstAsStored as Usage;
    console.log(`one release as stored (its directory + its contents and variants in .opus/cas, measured after the first publish): ${formatBytes(asStored.bytes)}; ${releases} releases are ${(stored.bytes / asStored.bytes).toFixed(2)}x that`);
    console.log(`for comparison: ${releases} full copies without deduplication would use ${formatBytes(one.bytes * releases)} (${releases}.00x)`);

    console.log(`\nwhere the ${releases} versions + content store go:`);
    for (const [category, bytes] of Object.entries(stored.by).sort((a, b) => b[1] - a[1])) console.log(`  ${category.padEnd(40)} ${formatBytes(bytes).padStart(10)}`);
    const perRelease = (what?: string) => ((what ? (stored.by[what] ?? 0) - (asStored.by[what] ?? 0) : stored.bytes - asStored.bytes) / (releases - 1));
    console.log(`  each further release adds ${formatBytes(perRelease())}: ${['contents (hard-linked from versions)', 'precompressed variants (.br, .gz)', 'directories'].map((c) => `${c} ${formatBytes(perRelease(c))}`).join(', ')}`);
    const casDirs = (await readdir(cas)).length;
    console.log(`  the content store has ${casDirs} shard directories (${formatBytes(casDirs * 4096)} at 4 KiB each)`);

    console.log(`\nthe two figures: version directories (deduplicated) ${formatBytes(stored.bytes)}, archives (compressed) ${formatBytes(archived.bytes)} (${formatBytes(archived.apparent)} apparent)`);
    return 0;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

process.exitCode = await main();
