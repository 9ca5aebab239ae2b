/** The DriftAuditor's props (or the config they come from) cannot make a working stack. */
export class DriftAuditorPropsError extends Error {
  /** The prop or config key at fault, e.g. `environments[1].secretArn`. */
  readonly prop: string;

  constructor(prop: string, message: string) {
    super(`${prop}: ${message}`);
    this.name = "DriftAuditorPropsError";
    this.prop = prop;
  }
}
