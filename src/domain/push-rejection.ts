// What a failed `git push` says, read from git's own output: whether the remote moved on (a
// non-fast-forward: fetch, redo the change, push again) and the lines that give the reason, without
// the noise (progress, "hint:" paragraphs, the "error: failed to push some refs" wrapper).

export interface PushRejection {
  /** The remote answered and refused a ref ("! [rejected]", "! [remote rejected]"); else the push did not get that far (network, credentials). */
  refused: boolean;
  /** The remote has commits the pushed branch lacks. */
  behind: boolean;
  /** The lines of git's answer that say why, e.g. "! [remote rejected] main -> main (pre-receive hook declined)". */
  reason: string;
}

export function pushRejection(output: string): PushRejection {
  // Plain or --porcelain ("!\tHEAD:refs/heads/main\t[rejected] (fetch first)") output alike.
  const lines = output.split('\n').map((line) => line.replace(/\s+/g, ' ').trim()).filter(Boolean);
  const behind = lines.some((line) => /^!.*\[rejected\].*\((fetch first|non-fast-forward)\)/.test(line));
  const telling = lines.filter((line) => line.startsWith('!') || (/^remote: /.test(line) && line !== 'remote:') || /^fatal: /.test(line));
  return { refused: lines.some((line) => line.startsWith('!')), behind, reason: (telling.length ? telling : lines.filter((line) => !line.startsWith('hint:')).slice(-2)).join('\n') };
}
