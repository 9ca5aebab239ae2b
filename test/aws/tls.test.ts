import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../shared/aws/database.ts";
import { rdsCaBundle, rdsTls } from "../../shared/aws/tls.ts";
import { adminUrl } from "../support/db.ts";

describe("rdsTls", () => {
  it("verifies against the RDS CA bundle", () => {
    const tls = rdsTls();
    expect(tls.rejectUnauthorized).toBe(true);
    expect(tls.ca.length).toBeGreaterThan(10);
    const subjects = tls.ca.map((pem) => new X509Certificate(pem).subject);
    expect(subjects.some((subject) => /Amazon RDS .*Root CA/.test(subject))).toBe(true);
    expect(tls).not.toHaveProperty("servername");
  });

  it("passes a server name through", () => {
    expect(rdsTls({ servername: "db.example.com" }).servername).toBe("db.example.com");
  });

  it("reads the bundle once", () => {
    expect(rdsCaBundle()).toBe(rdsCaBundle());
  });
});

describe("openDatabase", () => {
  const url = new URL(adminUrl());
  const login = {
    host: url.hostname,
    port: Number(url.port),
    database: "postgres",
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    method: "secret" as const,
  };

  it("never falls back to plaintext when the server does not offer TLS", async () => {
    await expect(openDatabase({ login, tls: rdsTls() })).rejects.toThrow(/SSL/);
  });

  it("connects without TLS only when told to, as application pgdrift", async () => {
    const connection = await openDatabase({ login, tls: false });
    try {
      const result = await connection.client.query<{ name: string }>(
        "SELECT current_setting('application_name') AS name",
      );
      expect(result.rows[0]?.name).toBe("pgdrift");
    } finally {
      await connection.close();
    }
  });
});
