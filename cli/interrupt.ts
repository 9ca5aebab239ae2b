/**
 * Ctrl-C and SIGTERM: clean up what this run started (scratch databases, embedded clusters),
 * then exit 130 / 143 as shells expect. A second signal during cleanup ends the process at
 * once (the handlers are `once`).
 */
type Disposer = () => Promise<void>;

const disposers = new Set<Disposer>();

/** Registers cleanup to run on an interrupt; returns the function that unregisters it. */
export function onInterrupt(dispose: Disposer): () => void {
  disposers.add(dispose);
  return () => {
    disposers.delete(dispose);
  };
}

let interrupted = false;

/** True once a signal arrived: work still unwinding should stay quiet, cleanup is under way. */
export function isInterrupted(): boolean {
  return interrupted;
}

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

/** Installs the handlers for one run; the returned function removes them. */
export function installInterruptHandlers(always: readonly Disposer[] = []): () => void {
  const handle = (signal: keyof typeof EXIT_CODES) => {
    interrupted = true;
    process.stderr.write(`pgdrift: interrupted (${signal}), cleaning up…\n`);
    const all = [...always, ...disposers].map((dispose) => dispose().catch(() => undefined));
    void Promise.allSettled(all).finally(() => process.exit(EXIT_CODES[signal]));
  };
  const onSigint = () => handle("SIGINT");
  const onSigterm = () => handle("SIGTERM");
  process.once("SIGINT", onSigint);
  process.once("SIGTERM", onSigterm);
  return () => {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigterm);
  };
}
