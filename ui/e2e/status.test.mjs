// End-to-end: the real hub (`millrace serve`) serving the built UI, driven in headless
// Chromium. Run with `npm run e2e` after building the hub (`cargo build`), which embeds
// ui/dist — so rebuild the hub after changing the UI.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { artifactPath, launchBrowser, newPage } from "./browser.mjs";
import { LOGIN_PREFIX, UI_DIR, startHub } from "./hub.mjs";

describe("admin UI against the real hub", { timeout: 180_000 }, () => {
  /** @type {import("./hub.mjs").RunningHub} */
  let hub;
  /** @type {import("playwright-core").Browser} */
  let browser;

  before(async () => {
    hub = await startHub();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await hub?.cleanup();
  });

  test("the login link signs in; the Status page shows the hub's status", async (t) => {
    const { context, page, problems } = await newPage(browser);
    try {
      const apiResponse = await hub.adminGet("/admin/api/status");
      assert.equal(apiResponse.status, 200, "GET /admin/api/status with the printed token");
      const api = await apiResponse.json();

      await page.goto(hub.loginUrl);
      // The login link lands on the overview; Status is one click away in the navigation.
      await page.getByTestId("overview-page").waitFor();
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Status" }).click();
      const statusPage = page.getByTestId("status-page");
      await statusPage.waitFor();
      assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Status");

      // The version, exactly as the API reports it.
      assert.equal((await page.getByTestId("hub-version").textContent())?.trim(), api.version);
      assert.match(api.version, /^\d+\.\d+\.\d+/);

      // The three listeners, each on loopback port 0 → a real port, as the API reports them.
      for (const name of ["admin", "player", "hooks"]) {
        const row = page.getByTestId(`listener-${name}`);
        await row.waitFor();
        const address = (await row.getByTestId("listener-address").textContent())?.trim();
        assert.equal(address, api.listeners[name].address, `${name} listener address`);
        assert.match(address, /^127\.0\.0\.1:[1-9]\d*$/, `${name} listener bound a real port`);
        assert.equal((await row.getByTestId("listener-url").textContent())?.trim(), api.listeners[name].url);
      }
      const adminAddress = await page.getByTestId("listener-admin").getByTestId("listener-address").textContent();
      assert.equal(adminAddress?.trim(), `127.0.0.1:${hub.port}`, "the admin listener is the one we are talking to");
      // --player-addr 127.0.0.1:0 → not reachable from the LAN.
      assert.equal(await page.getByTestId("listener-player").getByTestId("listener-reach").textContent(), "This computer only");

      // --keystore file → the key file, with its warning shown prominently.
      const keystore = page.getByTestId("keystore");
      assert.equal(await keystore.getAttribute("data-kind"), "file");
      assert.equal(await keystore.getByTestId("keystore-kind").textContent(), "Key file");
      assert.equal(api.keystore.kind, "file");
      assert.ok(api.keystore.warning, "the hub reports a warning for the file key store");
      const warning = page.getByTestId("keystore-warning");
      assert.ok(await warning.isVisible(), "the key-store warning is visible");
      assert.ok((await warning.textContent())?.includes(api.keystore.warning), "the warning shows the hub's text");

      // Paths come from the API too.
      assert.equal((await page.getByTestId("data-dir").textContent())?.trim(), api.data_dir);

      // The token left the address bar but is kept for this tab.
      const url = new URL(page.url());
      assert.equal(url.hash, "", "the #token fragment is removed");
      assert.ok(!page.url().includes(hub.token), "the token is not left in the URL");
      assert.equal(await page.evaluate(() => sessionStorage.getItem("millrace.token")), hub.token);

      await page.screenshot({ path: await artifactPath("status.png"), fullPage: true });
      // The overview may ask for an endpoint an older hub lacks (404); nothing else may fail.
      const unexpected = problems.filter((p) => !p.includes("404 (Not Found)"));
      assert.deepEqual(unexpected, [], "no script errors or failed requests in the page");

      // Not a failure: says whether the hub embeds the UI that is built in ui/dist now.
      const served = await (await fetch(`${hub.origin}/`)).text();
      const built = await readFile(join(UI_DIR, "dist", "index.html"), "utf8").catch(() => null);
      if (built !== null && served !== built) {
        t.diagnostic("the hub embeds a different UI build than ui/dist: rebuild the hub (cargo build) to test the current UI");
      }
    } finally {
      await context.close();
    }
  });

  test("opening / without a token shows the not-signed-in page", async () => {
    const { context, page } = await newPage(browser);
    try {
      await page.goto(`${hub.origin}/`);
      const signedOut = page.getByTestId("signed-out-page");
      await signedOut.waitFor();
      assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Not signed in");
      assert.ok((await signedOut.textContent())?.includes("Open the admin UI:"), "explains which line to look for");
      assert.equal(await page.getByTestId("session-expired").count(), 0, "no 'session expired' message on a first visit");
      assert.equal(await page.getByTestId("status-page").count(), 0);
    } finally {
      await context.close();
    }
  });

  test("a wrong token shows that the session is no longer valid", async () => {
    const { context, page } = await newPage(browser);
    try {
      await page.goto(`${hub.origin}/#token=wrong`);
      const expired = page.getByTestId("session-expired");
      await expired.waitFor();
      assert.ok((await expired.textContent())?.includes("Your session is no longer valid"));
      assert.equal(await page.getByTestId("status-page").count(), 0);
      assert.equal(new URL(page.url()).hash, "", "the #token fragment is removed");
      assert.equal(await page.evaluate(() => sessionStorage.getItem("millrace.token")), null, "the bad token is cleared");
    } finally {
      await context.close();
    }
  });

  test("switching the language to Español changes the heading, and the choice persists", async () => {
    const { context, page } = await newPage(browser);
    try {
      await page.goto(hub.loginUrl);
      await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();

      await page.getByLabel("Language").selectOption({ label: "Español" });
      await page.getByRole("heading", { level: 1, name: "Resumen" }).waitFor();
      assert.equal(await page.getAttribute("html", "lang"), "es");

      await page.reload();
      await page.getByRole("heading", { level: 1, name: "Resumen" }).waitFor();
      assert.equal(await page.getByLabel("Idioma").inputValue(), "es");
    } finally {
      await context.close();
    }
  });

  test("keyboard: the first Tab reaches the skip link, which moves focus to the main content", async () => {
    const { context, page } = await newPage(browser);
    try {
      await page.goto(hub.loginUrl);
      await page.getByTestId("overview-page").waitFor();
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => document.activeElement?.textContent);
      assert.equal(focused, "Skip to content");
      await page.keyboard.press("Enter");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
    } finally {
      await context.close();
    }
  });

  test("the hub printed one login line and exits with code 0 on SIGTERM within 10 s", async () => {
    assert.equal(hub.loginLines().length, 1, `exactly one "${LOGIN_PREFIX}" line on stdout`);
    const result = await hub.stop();
    assert.equal(result.timedOut, false, `the hub did not exit within 10 s of SIGTERM\n${hub.stderr()}`);
    assert.equal(result.code, 0, `exit code (signal ${result.signal})\n${hub.stderr()}`);
  });
});
