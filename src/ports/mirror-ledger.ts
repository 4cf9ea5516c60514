/** Which published stamp each mirrored version (`project@version`) was downloaded from, kept across restarts. */
export interface MirrorLedger {
  read(): Promise<Record<string, string>>;
  write(stamps: Record<string, string>): Promise<void>;
}
