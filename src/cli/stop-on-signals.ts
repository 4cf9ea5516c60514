// SIGINT and SIGTERM stop `opus server`, from the moment it starts starting: a signal that comes
// before the server is up (or between "listening" and the first log line) stops it once it is,
// instead of killing it by the default action halfway.
export interface Closable {
  close(): Promise<void>;
}

/**
 * Listens for the signals now; hand it the server once it is up. The close is graceful; one that
 * cannot finish (a peer that never lets go) is cut by exiting with 1 after `forceAfterMs`.
 */
export function stopOnSignals(forceAfterMs: number, onError: (error: unknown) => void): (server: Closable) => void {
  let running: Closable | undefined;
  let asked = false;
  const close = (server: Closable) =>
    void server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        onError(error);
        process.exit(1);
      },
    );
  const stop = () => {
    if (asked) return;
    asked = true;
    setTimeout(() => process.exit(1), forceAfterMs).unref();
    if (running) close(running);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return (server) => {
    running = server;
    if (asked) close(server);
  };
}
