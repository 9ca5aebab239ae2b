import { createServer } from "node:net";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  describeConnectionError,
  describeTarget,
  scrubSecrets,
  targetFromUrl,
} from "../../shared/introspect/connection-errors.ts";
import { IntrospectionError } from "../../shared/introspect/errors.ts";
import { adminUrl, urlFor } from "../support/db.ts";

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 1));
    });
  });
}

async function connectError(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (error) {
    await client.end().catch(() => undefined);
    return error;
  }
}

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

describe("targetFromUrl / describeTarget", () => {
  it("keeps user, host, port and database, never the password", () => {
    const url = "postgresql://app:s3cr3t@db.example.com:6543/shop?sslmode=require";
    expect(targetFromUrl(url)).toEqual({
      host: "db.example.com",
      port: 6543,
      database: "shop",
      user: "app",
    });
    expect(describeTarget(url)).toBe("app@db.example.com:6543/shop");
  });

  it("defaults the port and reads a socket host from the query", () => {
    expect(targetFromUrl("postgres:///shop?host=/var/run/postgresql")).toEqual({
      host: "/var/run/postgresql",
      port: 5432,
      database: "shop",
    });
  });

  it("does not parse what is not a postgres URL", () => {
    expect(targetFromUrl("mysql://x@y/z")).toBeUndefined();
  });
});

describe("scrubSecrets", () => {
  it("removes credentials of URLs and listed secrets", () => {
    expect(scrubSecrets("see postgres://app:hunter2@db/x and hunter2", ["hunter2"])).toBe(
      "see postgres://…@db/x and …",
    );
  });

  it("hides credentials of a mistyped URL and quoted passwords, whole", () => {
    expect(scrubSecrets("file postgres:/app:S3cret@db/app not found")).toBe(
      "file postgres:/…@db/app not found",
    );
    expect(scrubSecrets("host=h password='a b c' user=u")).toBe("host=h password=… user=u");
    expect(scrubSecrets('password = "q w" x')).toBe("password = … x");
  });
});

describe("describeConnectionError", () => {
  it("maps a refused connection (a closed port) to connection_refused", async () => {
    const port = await closedPort();
    const url = `postgresql://app:pw@127.0.0.1:${port}/shop`;
    const described = describeConnectionError(await connectError(url), {
      environment: "staging",
      target: targetFromUrl(url),
    });
    expect(described).toEqual({
      code: "connection_refused",
      message: `staging: cannot connect to 127.0.0.1:${port} (connection refused): check host, port and that the server accepts TCP connections`,
    });
  });

  it("maps a wrong password to authentication_failed without showing it", async () => {
    const secret = "not-the-password-9431";
    const url = withPassword(urlFor("postgres"), secret);
    const target = targetFromUrl(url);
    const described = describeConnectionError(await connectError(url), {
      environment: "production",
      ...(target ? { target } : {}),
      secrets: [secret, url],
    });
    expect(described.code).toBe("authentication_failed");
    expect(described.sqlstate).toBe("28P01");
    expect(described.message).toMatch(
      /^production: password authentication failed for user \S+ on 127\.0\.0\.1:\d+/,
    );
    expect(described.message).not.toContain(secret);
    expect(described.message).not.toContain(new URL(adminUrl()).password);
  });

  it("maps a missing database to database_not_found", async () => {
    const url = urlFor("no_such_database_here");
    const described = describeConnectionError(await connectError(url), {
      environment: "qa",
      target: targetFromUrl(url),
    });
    expect(described.code).toBe("database_not_found");
    expect(described.message).toMatch(
      /^qa: database "no_such_database_here" does not exist on 127\.0\.0\.1:\d+/,
    );
  });

  it("maps an unknown host to host_not_found", () => {
    const error = Object.assign(new Error("getaddrinfo ENOTFOUND db.nowhere.invalid"), {
      code: "ENOTFOUND",
      hostname: "db.nowhere.invalid",
    });
    expect(describeConnectionError(error, { environment: "dev" })).toEqual({
      code: "host_not_found",
      message:
        "dev: host db.nowhere.invalid not found (DNS lookup failed): check the host name in the URL",
    });
  });

  it("maps timeouts to connection_timeout", () => {
    const target = { host: "10.0.0.9", port: 5432 };
    for (const error of [
      new Error("timeout expired"),
      Object.assign(new Error("x"), { code: "ETIMEDOUT" }),
    ]) {
      const described = describeConnectionError(error, {
        environment: "prod",
        target,
        timeoutMs: 10_000,
      });
      expect(described.code).toBe("connection_timeout");
      expect(described.message).toContain("prod: no answer from 10.0.0.9:5432 within 10 s");
    }
  });

  it("maps a connection the server end closes to connection_closed", () => {
    const described = describeConnectionError(new Error("Connection terminated unexpectedly"), {
      environment: "prod",
      target: { host: "db", port: 5432 },
    });
    expect(described.code).toBe("connection_closed");
    expect(described.message).toMatch(/^prod: db:5432 closed the connection/);
  });

  it("maps a permission error to permission_denied", () => {
    const error = Object.assign(new Error("permission denied for database shop"), {
      code: "42501",
    });
    expect(describeConnectionError(error, { environment: "prod" }).code).toBe("permission_denied");
  });

  it("maps introspection errors to introspection_failed", () => {
    const error = new IntrospectionError("indexes", "reading indexes waited too long for a lock", {
      sqlstate: "55P03",
    });
    expect(describeConnectionError(error, { environment: "prod" })).toEqual({
      code: "introspection_failed",
      message: "prod: introspection failed: reading indexes waited too long for a lock",
      sqlstate: "55P03",
    });
  });

  it("keeps anything else as audit_failed, on one line, with URLs scrubbed", () => {
    const error = new Error("boom at postgres://app:topsecret@db:5432/x\nsecond line");
    expect(describeConnectionError(error, { environment: "prod" })).toEqual({
      code: "audit_failed",
      message: "prod: boom at postgres://…@db:5432/x second line",
    });
  });
});
