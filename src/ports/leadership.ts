/** Which replica runs the sync loop and takes changes (in Kubernetes: the holder of a Lease). */
export interface Leadership {
  isLeader(): boolean;
  /** Where the leading replica answers, when another one leads and it is known. */
  leaderUrl?(): string | undefined;
  /** While leading: the term (it grows with every change of leader), which fenced writes carry. */
  term?(): number | undefined;
  /** Called when this replica starts or stops leading. */
  onChange?(listener: (leading: boolean) => void): void;
}
