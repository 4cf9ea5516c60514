import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourceProblem } from '../../src/domain/source-problem.js';

// git ls-remote's real stderr (git 2.39) for each case.
const NO_REPO = "fatal: '/tmp/nope' does not appear to be a git repository\nfatal: Could not read from remote repository.\n\nPlease make sure you have the correct access rights\nand the repository exists.\n";

test('a path with no repository is said plainly, not as git\'s last line ("and the repository exists.")', () => {
  assert.equal(sourceProblem('/tmp/nope', NO_REPO), 'the source /tmp/nope is not a git repository (nothing there, or no repository at that path)');
});

test('a host that cannot be reached, by name or by port', () => {
  assert.equal(
    sourceProblem('http://127.0.0.1:9/x.git', "fatal: unable to access 'http://127.0.0.1:9/x.git/': Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server\n"),
    'the source http://127.0.0.1:9/x.git cannot be reached: Failed to connect to 127.0.0.1 port 9',
  );
  assert.equal(sourceProblem('https://git.invalid/x.git', "fatal: unable to access 'https://git.invalid/x.git/': Could not resolve host: git.invalid\n"), 'the source https://git.invalid/x.git cannot be reached: Could not resolve host: git.invalid');
});

test('credentials and a repository that does not exist are told apart', () => {
  assert.match(sourceProblem('https://h/x.git', "fatal: could not read Username for 'https://h': terminal prompts disabled\n"), /refused this machine's git credentials/);
  assert.match(sourceProblem('https://h/x.git', "remote: Repository not found.\nfatal: repository 'https://h/x.git/' not found\n"), /does not exist on its server/);
  assert.equal(sourceProblem('x', 'fatal: something else\n'), 'cannot read the tags of x: something else');
});
