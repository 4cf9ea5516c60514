// The suggestion for a mistyped command: matched by as many words as each command has, the rest
// kept as its arguments, and only when it is close enough to be what was meant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { suggestCommand } from '../../src/hooks/did-you-mean.js';

const ids = ['deploy', 'delete', 'rollback', 'status', 'sync', 'artifacts', 'artifacts:download', 'artifacts:remove', 'hooks:redeliver'];

test('a typo of a command keeps the arguments typed after it', () => {
  assert.deepEqual(suggestCommand('deplyo:site:1.0.0', ids), { id: 'deploy', argv: ['site', '1.0.0'] });
  assert.deepEqual(suggestCommand('stauts', ids), { id: 'status', argv: [] });
});

test('two letters swapped in a short command count as one typo', () => {
  assert.deepEqual(suggestCommand('lsit', [...ids, 'list']), { id: 'list', argv: [] });
  assert.deepEqual(suggestCommand('snyc', ids), { id: 'sync', argv: [] });
  assert.equal(suggestCommand('lsti', [...ids, 'list']), undefined, 'two swaps are not one typo');
});

test('a typo in the second word of a topic command', () => {
  assert.deepEqual(suggestCommand('hooks:redelivr:42', ids), { id: 'hooks:redeliver', argv: ['42'] });
});

test('nothing close: no suggestion rather than a far one', () => {
  assert.equal(suggestCommand('nosuchcmd', ids), undefined);
  assert.equal(suggestCommand('xy', ids), undefined);
});
