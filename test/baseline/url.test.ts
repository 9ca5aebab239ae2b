import { describe, expect, it } from "vitest";
import { redactUrl, withDatabase } from "../../shared/baseline/url.ts";
import { adminUrl } from "../support/db.ts";

describe("redactUrl", () => {
  it("removes the password and keeps user, host, port and database", () => {
    expect(redactUrl("postgresql://app:s3cret@db.internal:5433/orders")).toBe(
      "postgresql://app@db.internal:5433/orders",
    );
    expect(redactUrl("postgres://app:s3cret@localhost/orders")).toBe(
      "postgres://app@localhost/orders",
    );
  });

  it("removes passwords from query parameters and keeps the other parameters", () => {
    expect(
      redactUrl("postgresql://app@db:5432/orders?password=s3cret&sslmode=require&sslpassword=k3y"),
    ).toBe("postgresql://app@db:5432/orders?sslmode=require");
  });

  it("leaves a URL without a password as it is", () => {
    expect(redactUrl("postgresql://app@db:5432/orders")).toBe("postgresql://app@db:5432/orders");
    expect(redactUrl("postgresql:///orders?host=/var/run/postgresql")).toBe(
      "postgresql:///orders?host=%2Fvar%2Frun%2Fpostgresql",
    );
  });

  const secrets: Array<[string, string]> = [
    ["postgresql://app:p%40ss%3Aw%2Frd@db:5432/orders", "p%40ss%3Aw%2Frd"],
    ["postgresql://app:hunter2@h1:5432,h2:5433/orders?target_session_attrs=read-write", "hunter2"],
    ["postgresql://app:raw@pass/word@db:5432/orders", "raw@pass/word"],
    ["postgresql://app@db/orders?sslmode=require&password=topsecret", "topsecret"],
    ["host=db user=app password=kw-secret dbname=orders", "kw-secret"],
    ["host=db password='quoted secret' dbname=orders", "quoted secret"],
    ["not a url at all :pw@x password=plain-secret", "plain-secret"],
  ];

  it.each(secrets)("never leaves the password: %s", (url, password) => {
    const redacted = redactUrl(url);
    expect(redacted).not.toContain(password);
    expect(redacted).not.toContain(decodeURIComponent(password));
  });

  it("redacts several hosts and raw characters without losing the rest", () => {
    expect(redactUrl("postgresql://app:hunter2@h1:5432,h2:5433/orders")).toBe(
      "postgresql://app@h1:5432,h2:5433/orders",
    );
    expect(redactUrl("host=db user=app password=kw-secret dbname=orders")).toBe(
      "host=db user=app dbname=orders",
    );
  });

  it("redacts the test server's admin URL", () => {
    const url = new URL(adminUrl());
    expect(url.password).not.toBe("");
    const redacted = redactUrl(adminUrl());
    expect(redacted).not.toContain(url.password);
    expect(redacted).toBe(`postgresql://${url.username}@${url.host}${url.pathname}`);
  });
});

describe("withDatabase", () => {
  it("swaps the database and keeps credentials and parameters", () => {
    expect(withDatabase("postgresql://app:pw@db:5432/postgres?sslmode=require", "scratch_1")).toBe(
      "postgresql://app:pw@db:5432/scratch_1?sslmode=require",
    );
    expect(withDatabase("postgresql://app:pw@db", "x y")).toBe("postgresql://app:pw@db/x%20y");
  });
});
