/** Which replica runs the sync loop and takes changes (in Kubernetes: the holder of a Lease). */
export interface Leadership {
  isLeader(): boolean;
  /** Where the leading replica answers, when another one leads and it is known. */
  leaderUrl?(): string | undefined;
}
