/** `pgdrift.config.json` cannot be read or is invalid. The message is one line naming the file and key. */
export class ConfigError extends Error {
  /** The config file (as given by the caller). */
  readonly path: string;
  /** Key path inside the file, e.g. `environments[1].name`; undefined for file-level problems. */
  readonly key: string | undefined;

  constructor(
    path: string,
    key: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ConfigError";
    this.path = path;
    this.key = key;
  }
}
