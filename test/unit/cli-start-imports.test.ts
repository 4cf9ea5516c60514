// Every `opus` command starts by loading every command module (oclif, without a manifest), so a
// command module that imports a heavy client at its top makes `opus list` pay for it: about a
// second of CPU each time before server.ts and the cluster commands imported these when run.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/fixtures.js';
import { importsOf, sourceFiles, type ImportEdge } from '../support/import-graph.js';

const SRC = join(repoRoot, 'src');
/** What only running a server, a build or a cluster command needs. */
const HEAVY = /^(dockerode|koa|acme-client|tar|@kubernetes\/client-node)(\/|$)|^(@koa|@aws-sdk|@smithy)\//;

/** The heavy packages a file loads at import time, with the chain of static imports to each. */
function heavyAtLoad(edges: ImportEdge[], start: string): string[] {
  const next = new Map<string, ImportEdge[]>();
  for (const e of edges) if (!e.typeOnly && !e.dynamic) next.set(e.from, [...(next.get(e.from) ?? []), e]);
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const e of next.get(file) ?? []) {
      if (e.to.endsWith('.ts')) walk(e.to, [...chain, e.to]);
      else if (HEAVY.test(e.to)) found.push(`${[...chain, e.to].join(' → ')}`);
    }
  };
  walk(start, [start]);
  return found;
}

const edges = sourceFiles(SRC).flatMap((file) => importsOf(SRC, file));

test('no command module loads a Docker, HTTP server, S3 or Kubernetes client when the CLI starts', () => {
  const commands = sourceFiles(SRC).filter((f) => f.startsWith('commands/'));
  assert.ok(commands.length > 20, `found ${commands.length} commands`);
  assert.deepEqual(commands.flatMap((file) => heavyAtLoad(edges, file)), []);
});

test('the check follows static imports and skips import() and type-only ones', () => {
  const fake = (text: string) => heavyAtLoad([...edges, ...importsOf(SRC, 'commands/fake.ts', text)], 'commands/fake.ts');
  assert.match(fake("import { startServer } from '../runtime/start-server.js';\n").join(), /commands\/fake\.ts → runtime\/start-server\.ts → .*dockerode/);
  assert.deepEqual(fake("const { startServer } = await import('../runtime/start-server.js');\nimport type { V1Job } from '@kubernetes/client-node';\n"), []);
});
