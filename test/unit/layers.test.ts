// The layer rule of docs/ARCHITECTURE.md, checked on every import of src/: domain/ is pure,
// services/ and server/ reach the outside world only through ports/, and only the composition
// root (runtime/) wires adapters.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/fixtures.js';
import { cycles, importsOf, sourceFiles, type ImportEdge } from '../support/import-graph.js';

const SRC = join(repoRoot, 'src');

/** Node modules and packages that do I/O (files, network, processes, clusters, clouds, git). */
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads|os|readline|repl|inspector)$|^(dockerode|simple-git|koa|@koa\/|@aws-sdk\/|@kubernetes\/client-node|prom-client|tar|bcryptjs)/;

const layerOf = (target: string) => target.split('/')[0] ?? '';

/** Layers each layer must not import (type-only imports included: they still couple the code). */
const FORBIDDEN: Record<string, string[]> = {
  domain: ['ports', 'adapters', 'services', 'server', 'runtime', 'cli', 'commands'],
  ports: ['adapters', 'services', 'server', 'runtime', 'cli', 'commands'],
  adapters: ['services', 'server', 'runtime', 'cli', 'commands'],
  services: ['adapters', 'server', 'runtime', 'cli', 'commands'],
  server: ['adapters', 'runtime', 'cli', 'commands'],
  runtime: ['cli', 'commands'],
  cli: ['adapters', 'commands'],
  commands: ['adapters'],
};

/** What breaks the rule, one line per import. */
export function layerViolations(edges: ImportEdge[]): string[] {
  const problems: string[] = [];
  for (const edge of edges) {
    const from = layerOf(edge.from);
    const where = `src/${edge.from}:${edge.line} imports ${edge.to}`;
    if (edge.to.endsWith('.ts')) {
      if (FORBIDDEN[from]?.includes(layerOf(edge.to))) problems.push(`${where}: ${from}/ must not import ${layerOf(edge.to)}/`);
    } else if ((from === 'domain' || from === 'ports') && !edge.typeOnly && IO_MODULES.test(edge.to)) {
      problems.push(`${where}: ${from}/ must not do I/O (a type-only import is fine)`);
    }
  }
  return problems;
}

const edges = sourceFiles(SRC).flatMap((file) => importsOf(SRC, file));

test('every import of src/ keeps the layer rule', () => {
  assert.ok(edges.length > 300, `read ${edges.length} imports: is src/ where the test looks (${SRC})?`);
  assert.deepEqual(layerViolations(edges), []);
});

test('the check sees a forbidden import, a type-only one too, and I/O in domain/', () => {
  const added = (file: string, text: string) => layerViolations(importsOf(SRC, file, text));
  assert.match(added('services/sync-service.ts', "import { FsArtifactStore } from '../adapters/fs/fs-artifact-store.js';\n").join(), /services\/ must not import adapters\//);
  assert.match(added('server/app.ts', "import type { S3ArtifactStore } from '../adapters/s3/s3-artifact-store.js';\n").join(), /server\/ must not import adapters\//);
  assert.match(added('commands/list.ts', "export { GitSourceRepos } from '../adapters/git/git-source-repos.js';\n").join(), /commands\/ must not import adapters\//);
  assert.match(added('domain/plan.ts', "import { readFile } from 'node:fs/promises';\n").join(), /domain\/ must not do I\/O/);
  assert.match(added('domain/plan.ts', "const fs = await import('fs');\n").join(), /domain\/ must not do I\/O/);
  assert.deepEqual(added('domain/plan.ts', "import type { V1Job } from '@kubernetes/client-node';\nimport { createHash } from 'node:crypto';\n"), []);
  assert.deepEqual(added('runtime/start-server.ts', "import { FsArtifactStore } from '../adapters/fs/fs-artifact-store.js';\n"), []);
});

test('no import cycles in src/, type-only imports included', () => {
  assert.deepEqual(cycles(edges).map((c) => c.join(' → ')), []);
  assert.deepEqual(cycles(importsOf(SRC, 'a.ts', "import type { B } from './b.js';\n").concat(importsOf(SRC, 'b.ts', "import { a } from './a.js';\n"))), [['a.ts', 'b.ts']], 'the check sees a cycle');
});
