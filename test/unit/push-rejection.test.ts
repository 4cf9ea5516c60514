// Reading a failed `git push`: a remote that moved on, a hook that declined, and a push that never
// reached the remote are told apart, with git's reason and without its hints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pushRejection } from '../../src/domain/push-rejection.js';

test('a non-fast-forward, plain or --porcelain', () => {
  const plain = "To http://git.example/config.git\n ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs to 'http://git.example/config.git'\nhint: Updates were rejected because the remote contains work that you do not\nhint: have locally.\n";
  assert.deepEqual(pushRejection(plain), { refused: true, behind: true, reason: '! [rejected] main -> main (fetch first)' });
  const porcelain = 'To http://git.example/config.git\n!\tHEAD:refs/heads/main\t[rejected] (non-fast-forward)\nDone\n';
  assert.equal(pushRejection(porcelain).behind, true);
});

test('a hook that declines: refused, not behind, with what the hook said', () => {
  const out = 'remote: main is protected: open a pull request\nTo http://git.example/config.git\n ! [remote rejected] main -> main (pre-receive hook declined)\nerror: failed to push some refs\n';
  assert.deepEqual(pushRejection(out), { refused: true, behind: false, reason: 'remote: main is protected: open a pull request\n! [remote rejected] main -> main (pre-receive hook declined)' });
});

test('a push that never reached the remote is no refusal', () => {
  const out = "fatal: unable to access 'http://git.example/config.git/': Could not resolve host: git.example\n";
  assert.deepEqual(pushRejection(out), { refused: false, behind: false, reason: "fatal: unable to access 'http://git.example/config.git/': Could not resolve host: git.example" });
});
