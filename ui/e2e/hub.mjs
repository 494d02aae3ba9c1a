// Starts the real hub binary for the end-to-end tests and stops it again.
//
// Contract relied on (DESIGN.md §11): `millrace serve` prints to stdout exactly one line
// `Open the admin UI: http://127.0.0.1:<port>/#token=<token>`, and exits with code 0 on
// SIGTERM. Every listener binds port 0 and the data directory is fresh, so runs never
// collide with a hub already running on the machine.
//
// Environment: MILLRACE_BIN (default ../target/debug/millrace, relative to ui/);
// MILLRACE_E2E_KEEP=1 keeps the temporary data directory for inspection.

import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const UI_DIR = fileURLToPath(new URL("..", import.meta.url));
export const LOGIN_PREFIX = "Open the admin UI: ";
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const KEEP_OUTPUT_CHARS = 20_000;

/** The hub binary to test: MILLRACE_BIN, or the debug build next to ui/. */
export function hubBinary() {
  const fromEnv = process.env.MILLRACE_BIN;
  return fromEnv ? resolve(fromEnv) : resolve(UI_DIR, "../target/debug/millrace");
}

const stripAnsi = (line) => line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
const tail = (text) => (text.length > KEEP_OUTPUT_CHARS ? `…${text.slice(-KEEP_OUTPUT_CHARS)}` : text);

/**
 * Parses the login link. Throws unless it is `http://127.0.0.1:<port>/#token=<token>`.
 * @returns {{ loginUrl: string, origin: string, port: number, token: string }}
 */
export function parseLoginLink(text) {
  const url = new URL(text.trim());
  const token = new URLSearchParams(url.hash.replace(/^#/, "")).get("token");
  if (url.protocol !== "http:" || url.hostname !== "127.0.0.1" || !url.port || url.pathname !== "/" || !token) {
    throw new Error(`login link does not have the form http://127.0.0.1:<port>/#token=<token>: ${text}`);
  }
  return { loginUrl: url.href, origin: url.origin, port: Number(url.port), token };
}

/**
 * @typedef {object} RunningHub
 * @property {string} loginUrl   the printed login link
 * @property {string} origin     http://127.0.0.1:<admin port>
 * @property {string} token      the admin token
 * @property {string} dataDir
 * @property {() => string[]} loginLines  every stdout line that starts with LOGIN_PREFIX so far
 * @property {() => string} stdout
 * @property {() => string} stderr
 * @property {(path: string) => Promise<Response>} adminGet  GET with the admin token (from Node)
 * @property {() => Promise<{code: number|null, signal: string|null, timedOut: boolean}>} stop
 *           SIGTERM, then wait up to 10 s (SIGKILL after that, reported as timedOut); idempotent
 * @property {() => Promise<void>} cleanup  removes the data directory (unless MILLRACE_E2E_KEEP=1)
 */

/** Starts `millrace serve` on port 0 everywhere with a fresh data directory. @returns {Promise<RunningHub>} */
export async function startHub() {
  const bin = hubBinary();
  try {
    await access(bin, constants.X_OK);
  } catch {
    throw new Error(
      `hub binary not found or not executable: ${bin}\n` +
        "Build it first (cargo build, at the repository root) or point MILLRACE_BIN at it.",
    );
  }

  const dataDir = await mkdtemp(join(tmpdir(), "millrace-e2e-"));
  const args = [
    "serve",
    "--data-dir", dataDir,
    "--admin-addr", "127.0.0.1:0",
    "--player-addr", "127.0.0.1:0",
    "--hooks-addr", "127.0.0.1:0",
    "--keystore", "file",
  ];
  const env = { ...process.env, NO_COLOR: "1" };
  delete env.MILLRACE_DATA_DIR;
  const child = spawn(bin, args, { cwd: dataDir, env, stdio: ["ignore", "pipe", "pipe"] });

  let stdout = "";
  let stderr = "";
  const loginLines = [];
  /** @type {{code: number|null, signal: string|null} | undefined} */
  let exit;
  /** @type {Error | undefined} */
  let spawnError;
  const exited = new Promise((resolveExit) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      resolveExit(exit);
    });
    // A process that could not be spawned emits "error" and may never emit "exit".
    child.once("error", (error) => {
      spawnError = error;
      exit ??= { code: null, signal: null };
      resolveExit(exit);
    });
  });

  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr = tail(stderr + chunk);
  });

  let onLoginLine;
  const loginLine = new Promise((resolveLine) => (onLoginLine = resolveLine));
  createInterface({ input: child.stdout }).on("line", (raw) => {
    const line = stripAnsi(raw);
    stdout = tail(`${stdout}${line}\n`);
    if (line.startsWith(LOGIN_PREFIX)) {
      loginLines.push(line);
      onLoginLine(line.slice(LOGIN_PREFIX.length));
    }
  });

  const output = () => `\n--- hub stderr ---\n${stderr}\n--- hub stdout ---\n${stdout}`;

  async function stop() {
    if (!exit) {
      child.kill("SIGTERM");
      let timer;
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise((r) => (timer = setTimeout(() => r(true), STOP_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        child.kill("SIGKILL");
        await exited;
        return { ...exit, timedOut: true };
      }
    }
    await exited;
    return { ...exit, timedOut: false };
  }

  async function cleanup() {
    await stop();
    if (process.env.MILLRACE_E2E_KEEP === "1") return;
    await rm(dataDir, { recursive: true, force: true });
  }

  let timer;
  let link;
  try {
    link = await Promise.race([
      loginLine,
      exited.then((e) => {
        if (spawnError) throw new Error(`could not start ${bin}: ${spawnError.message}`);
        throw new Error(`the hub exited (code ${e.code}, signal ${e.signal}) before printing its login link${output()}`);
      }),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`the hub printed no "${LOGIN_PREFIX}" line within ${START_TIMEOUT_MS / 1000} s${output()}`)),
          START_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    await cleanup();
    throw error;
  } finally {
    clearTimeout(timer);
  }

  let parsed;
  try {
    parsed = parseLoginLink(link);
  } catch (error) {
    await cleanup();
    throw new Error(`${error.message}${output()}`);
  }

  return {
    ...parsed,
    dataDir,
    loginLines: () => [...loginLines],
    stdout: () => stdout,
    stderr: () => stderr,
    adminGet: (path) =>
      fetch(`${parsed.origin}${path}`, { headers: { Authorization: `Bearer ${parsed.token}` } }),
    stop,
    cleanup,
  };
}
