// The shared preview ledger on the S3 stand-in (which honours If-Match as S3 does): one document
// every replica reads, written in the writer's Lease term; an old leader's write is refused.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { S3PreviewLedger } from '../../src/adapters/s3/s3-preview-ledger.js';
import { FencedWrite } from '../../src/adapters/stored-pointers.js';
import type { Preview } from '../../src/domain/previews/preview-state.js';
import { startS3StandIn } from '../support/s3-stand-in.js';

const preview = (alias: string, commit: string): Preview => ({ project: 'site', alias, kind: 'branch', branch: alias, provider: 'github', fetchRef: `refs/heads/${alias}`, commit, status: 'ready', served: `sha-${commit}`, versions: [`sha-${commit}`], createdAt: '2026-12-01T00:00:00Z', updatedAt: '2026-12-01T00:00:00Z' });

test('the shared preview ledger: what the leader writes every replica reads; an older term or a replica that does not lead cannot write', async (t) => {
  const s3 = await startS3StandIn();
  t.after(() => s3.close());
  const objects = s3.objects(`ledger-${randomUUID().slice(0, 8)}/`);
  let oldTerm: number | undefined = 1;
  const old = new S3PreviewLedger(objects, () => oldTerm);
  const next = new S3PreviewLedger(objects, () => 2);
  const reader = new S3PreviewLedger(objects);
  assert.deepEqual(await reader.read(), [], 'no document: no previews');

  await old.write([preview('main', 'aaaaaaaaaaaa')]);
  assert.deepEqual((await reader.read()).map((p) => p.alias), ['main']);
  await next.write([preview('main', 'bbbbbbbbbbbb')]);
  await assert.rejects(old.write([preview('main', 'cccccccccccc')]), FencedWrite, 'a write in term 1 after term 2 is refused');
  oldTerm = undefined;
  await assert.rejects(old.write([]), /does not hold the sync Lease/);
  assert.deepEqual((await reader.read()).map((p) => p.served), ['sha-bbbbbbbbbbbb'], 'the successor’s change stands');
});
