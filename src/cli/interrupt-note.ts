// Ctrl-C in the middle of `--wait` stops only the waiting: the commit is made and the server goes on
// building. Said on the way out, with how to look again, so nobody thinks the deploy was undone.
const EXIT_ON = { SIGINT: 130, SIGTERM: 143 } as const;

/** Runs `work`; a SIGINT or SIGTERM meanwhile prints `note` to stderr and exits as the signal would. */
export async function noteOnInterrupt<T>(note: string, work: () => Promise<T>): Promise<T> {
  const handlers = Object.entries(EXIT_ON).map(([signal, code]) => {
    const handler = () => {
      process.stderr.write(`\n${note}\n`);
      process.exit(code);
    };
    process.once(signal, handler);
    return () => process.off(signal, handler);
  });
  try {
    return await work();
  } finally {
    for (const off of handlers) off();
  }
}
