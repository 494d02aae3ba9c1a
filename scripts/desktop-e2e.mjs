#!/usr/bin/env node
// End-to-end test of the real desktop app through tauri-driver and WebKitWebDriver (W3C
// WebDriver over plain HTTP; no client library). Run inside a D-Bus session under Xvfb:
//   dbus-run-session -- scripts/with-secret-service.sh xvfb-run -a node scripts/desktop-e2e.mjs BIN
// It checks: the window opens on the Overview already signed in; the first-run question about the
// player listener is asked and answered; an integration is created from a template through the
// UI; closing the window hides it while the hub keeps answering; a second launch exits at once,
// brings the window back, and only one process serves; a screenshot of the window shows the app.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import assert from "node:assert/strict";

const BIN = resolve(process.argv[2] ?? "target/debug/millrace-desktop");
const ART = resolve("artifacts");
mkdirSync(ART, { recursive: true });
const DATA = mkdtempSync(join(tmpdir(), "millrace-e2e-"));
const env = {
  ...process.env,
  MILLRACE_DATA_DIR: DATA,
  MILLRACE_ADMIN_ADDR: "127.0.0.1:0",
  MILLRACE_HOOKS_ADDR: "127.0.0.1:0",
  // No MILLRACE_PLAYER_ADDR: the first-run question must be asked.
};
const W3C = "element-6066-11e4-a52e-4f735466cecf";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let passed = 0;
const ok = (what) => {
  passed += 1;
  console.log(`ok ${passed} - ${what}`);
};

const driver = spawn("tauri-driver", ["--port", "4444", "--native-driver", "/usr/bin/WebKitWebDriver"], {
  env,
  stdio: ["ignore", "inherit", "inherit"],
});
const base = "http://127.0.0.1:4444";

async function wd(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.value;
}

async function until(what, fn, seconds = 60) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

let session;
const find = async (css) => (await wd("POST", `/session/${session}/element`, { using: "css selector", value: css }))[W3C];
const findAll = async (css) =>
  (await wd("POST", `/session/${session}/elements`, { using: "css selector", value: css })).map((e) => e[W3C]);
const click = async (css) => wd("POST", `/session/${session}/element/${await find(css)}/click`, {});
const text = async (css) => wd("GET", `/session/${session}/element/${await find(css)}/text`);
const js = (script, args = []) => wd("POST", `/session/${session}/execute/sync`, { script, args });

function processes() {
  const out = spawnSync("pgrep", ["-f", BIN], { encoding: "utf8" }).stdout.trim();
  return out ? out.split("\n").length : 0;
}

try {
  await until("tauri-driver", async () => (await fetch(`${base}/status`)).ok, 30);
  session = (
    await wd("POST", "/session", {
      capabilities: { alwaysMatch: { browserName: "wry", "tauri:options": { application: BIN } } },
    })
  ).sessionId;

  // 1. The window opens on the Overview, already signed in (no login step).
  await until("the overview", async () => (await findAll('[data-testid="overview-page"]')).length === 1);
  assert.equal(await text("h1"), "Overview");
  const url = new URL(await wd("GET", `/session/${session}/url`));
  assert.equal(url.hostname, "127.0.0.1");
  assert.equal(url.hash, "", "the token fragment is removed from the address");
  const admin = url.origin;
  const token = await js("return sessionStorage.getItem('millrace.token')");
  assert.ok(token && token.length > 20, "signed in with the token the shell handed over");
  const api = (path, init = {}) =>
    fetch(admin + path, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
  ok("the window opens on the overview, already signed in");

  // 2. First run: asked before the player listener ever leaves this computer.
  let settings = await (await api("/admin/api/settings")).json();
  assert.equal(settings.first_run, true);
  assert.equal(settings.player_lan, false, "until answered, signs on the network cannot connect");
  await until("the first-run question", async () => (await findAll('[data-testid="first-run"]')).length === 1);
  await click('[data-testid="first-run-keep"]');
  await until("the answer stored", async () => (await (await api("/admin/api/settings")).json()).first_run === false);
  settings = await (await api("/admin/api/settings")).json();
  assert.equal(settings.player_lan, false);
  ok("the first-run question is asked and its answer kept");

  // 3. Create an integration from a template through the UI.
  await click('[data-testid="get-started-button"]');
  await until("the templates", async () => (await findAll('[data-testid="template-cards"] a')).length >= 6);
  const cards = await findAll('[data-testid="template-cards"] a');
  let rss;
  for (const c of cards) {
    const label = (await wd("GET", `/session/${session}/element/${c}/text`)) || "";
    const aria = await wd("GET", `/session/${session}/element/${c}/attribute/aria-label`).catch(() => "");
    if (`${label} ${aria}`.includes("RSS")) rss = c;
  }
  assert.ok(rss, "an RSS template card");
  await wd("POST", `/session/${session}/element/${rss}/click`, {});
  await until("the integration form", async () => (await findAll('[data-testid="integration-form"]')).length === 1);
  await click('[data-testid="save-integration"]');
  await until("the new integration's page", async () => (await findAll('[data-testid="integration-page"]')).length === 1);
  const list = await (await api("/admin/api/integrations")).json();
  assert.equal(list.length, 1);
  assert.equal(list[0].widget, "rss");
  ok("an integration is created from a template in the window");

  const shot = Buffer.from(await wd("GET", `/session/${session}/screenshot`), "base64");
  writeFileSync(join(ART, "desktop-webdriver.png"), shot);
  assert.ok(shot.length > 10_000, "the screenshot has content");
  ok("a screenshot of the window is saved");

  // 4. The window's close button (a WM_DELETE_WINDOW request, as a window manager sends) hides
  // the window; the app stays in the tray and the hub keeps serving.
  await js("window.__millraceMarker = 42; return true");
  const closed = spawnSync("/usr/bin/python3", [resolve("scripts/x11-close.py"), "Millrace"], { encoding: "utf8" });
  assert.equal(closed.status, 0, `the window was found and asked to close: ${closed.stderr}`);
  await until("the window hidden", async () => (await js("return document.visibilityState")) === "hidden", 10);
  assert.equal((await fetch(`${admin}/healthz`)).status, 200, "the hub answers with the window hidden");
  assert.equal(processes(), 1, "closing the window did not quit the app");
  ok("the close button hides the window and the hub keeps answering");

  // 5. A second launch focuses the first and exits; one process serves.
  const second = spawnSync(BIN, [], { env, timeout: 30_000, encoding: "utf8" });
  assert.equal(second.status, 0, `the second instance exits cleanly: ${second.stderr}`);
  assert.doesNotMatch(second.stderr, /serving/, "the second instance never starts a hub");
  assert.equal(processes(), 1, "only one process runs");
  assert.equal((await fetch(`${admin}/healthz`)).status, 200);
  ok("a second launch exits and only one process serves");

  const handles = await until("the window back", async () => {
    const h = await wd("GET", `/session/${session}/window/handles`);
    return h.length > 0 ? h : undefined;
  });
  await wd("POST", `/session/${session}/window`, { handle: handles[0] });
  await until("the window shown again", async () => (await js("return document.visibilityState")) === "visible", 10);
  assert.equal(await js("return window.__millraceMarker"), 42, "the same window is shown again, not a new one");
  ok("the second launch brings the first window back");
} catch (e) {
  console.error(`not ok - ${e.stack ?? e}`);
  process.exitCode = 1;
} finally {
  if (session) await wd("DELETE", `/session/${session}`).catch(() => undefined);
  driver.kill("SIGTERM");
  spawnSync("pkill", ["-TERM", "-f", BIN]);
}
console.log(`${passed} passed${process.exitCode ? ", 1 failed" : ""}`);
