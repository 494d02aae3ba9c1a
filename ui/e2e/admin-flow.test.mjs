// End-to-end: an office manager's path through the admin UI, from an empty hub to a sign
// showing live data, against the real hub (`millrace serve`) in headless Chromium.
//
// An RSS integration is created from its template and a widget reads a feed served by a
// local server (node:http, loopback — nothing here reaches the internet). The preview fills
// with the feed's items, Refresh now picks up a changed feed, an OpenWeather API key shows
// "set" and never its value, a 422 lands next to its field, deletes are confirmed. Every
// page is screenshotted to e2e/artifacts/ (gitignored).
//
// Needs the hub built with the current UI (`cargo build` at the repository root).

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import { artifactPath, launchBrowser, newPage } from "./browser.mjs";
import { startHub } from "./hub.mjs";

const API_KEY = "owm-e2e-SECRET-7f3a9c";
const AXE_SOURCE = await readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core (WCAG 2 A/AA rules) on the page as it is and returns the serious and
 * critical violations, one line each. Evaluated through DevTools, so the hub's CSP allows it.
 */
async function accessibilityProblems(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

function rss(title, items) {
  const entries = items
    .map(
      (item, i) => `
    <item>
      <title>${item}</title>
      <link>http://news.test/${i}</link>
      <description>About ${item}</description>
      <pubDate>${new Date(Date.now() - (i + 1) * 60_000).toUTCString()}</pubDate>
    </item>`,
    )
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>${title}</title><link>http://news.test/</link>
<description>Local test feed</description>${entries}
</channel></rss>`;
}

async function startFeed() {
  let feed = "";
  const server = createServer((req, res) => {
    if (req.url.startsWith("/feed.xml")) {
      res.writeHead(200, { "Content-Type": "application/rss+xml; charset=utf-8" });
      res.end(feed);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/feed.xml`,
    setFeed: (text) => (feed = text),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/**
 * Console lines Chromium logs for answers the UI expects and handles: 404 from an endpoint an
 * older hub lacks, and the 422 this test provokes on purpose.
 */
const isExpectedAnswer = (problem) => /status of (404 \(Not Found\)|422 \(Unprocessable Entity\))/.test(problem);

describe("admin UI: from an empty hub to live data", { timeout: 240_000 }, () => {
  /** @type {import("./hub.mjs").RunningHub} */
  let hub;
  /** @type {import("playwright-core").Browser} */
  let browser;
  let feed;
  let context;
  let page;
  let problems;
  const a11y = [];
  /** A full-page screenshot, and the page's accessibility problems collected for the last test. */
  const shot = async (name, { fullPage = true } = {}) => {
    await page.screenshot({ path: await artifactPath(`${name}.png`), fullPage });
    for (const problem of await accessibilityProblems(page)) a11y.push(`${name}: ${problem}`);
  };

  before(async () => {
    feed = await startFeed();
    feed.setFeed(rss("Office news", ["Alpha headline", "Beta headline", "Gamma headline"]));
    hub = await startHub();
    browser = await launchBrowser();
    ({ context, page, problems } = await newPage(browser, { viewport: { width: 1280, height: 800 } }));
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: hub.origin });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await hub?.cleanup();
    await feed?.close();
  });

  test("an empty hub lands on the overview with a Get started call to action", async () => {
    await page.goto(hub.loginUrl);
    await page.getByTestId("overview-page").waitFor();
    await page.getByTestId("get-started").waitFor();
    assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "Overview");
    const current = page.getByRole("navigation", { name: "Main" }).locator('[aria-current="page"]');
    assert.equal(await current.textContent(), "Overview");
    await shot("overview-empty");
  });

  test("create an RSS integration from its template; a 422 shows next to its field", async () => {
    await page.getByTestId("get-started-button").click();
    await page.getByTestId("template-cards").waitFor();
    assert.equal(new URL(page.url()).pathname, "/integrations/new");
    await shot("templates");

    await page.getByRole("link", { name: "Use this template: RSS / Atom feed" }).click();
    const form = page.getByTestId("integration-form");
    await form.waitFor();
    assert.equal(await page.getByLabel("Name", { exact: true }).inputValue(), "RSS feed", "prefilled from the template");
    assert.equal(await page.getByLabel("Address to fetch").inputValue(), "{{options.feed_url}}");
    await shot("integration-form");

    // The hub refuses an interval of 5 s; its message appears next to the interval input.
    const interval = page.getByLabel("Interval (seconds)");
    await interval.fill("5");
    await page.getByTestId("save-integration").click();
    const intervalField = page.locator('[data-path="pull_interval_seconds"]');
    const error = intervalField.getByTestId("field-error");
    await error.waitFor();
    assert.match(await error.textContent(), /between 30 and/);
    assert.equal(await interval.getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-invalid")), "true", "focus moves to the first invalid input");
    assert.equal(new URL(page.url()).pathname, "/integrations/new", "nothing was created");
    await shot("integration-422");

    await interval.fill("300");
    await page.getByTestId("save-integration").click();
    await page.getByTestId("integration-page").waitFor();
    await page.getByTestId("created-notice").waitFor();
    assert.match(new URL(page.url()).pathname, /^\/integrations\/\d+$/);
    assert.equal(await page.getByTestId("integration-name").textContent(), "RSS feed");
    assert.ok(await page.getByTestId("no-credentials").isVisible(), "RSS needs no credentials");
  });

  let widgetId;

  test("a widget on a local feed: the preview fills with its items, then Refresh now picks up a change", async () => {
    await page.getByTestId("add-widget").click();
    await page.getByTestId("widget-form").waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Lobby news");
    await page.getByLabel("Feed URL").fill(feed.url);
    await page.getByLabel("Items to show").fill("2");
    await page.getByTestId("save-widget").click();

    await page.getByTestId("widget-page").waitFor();
    widgetId = new URL(page.url()).pathname.split("/").pop();
    assert.match(widgetId, /^[0-9a-f-]{36}$/);

    // The hub pulls a new widget at once; the preview (what players get) fills by itself.
    const items = page.getByTestId("rss-item");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="rss-item"]').length === 2);
    assert.match(await items.first().textContent(), /Alpha headline/);
    assert.equal(await items.count(), 2, "max_items is applied to what players receive");
    assert.equal(await page.getByTestId("preview-status").textContent(), "Working");
    const firstVersion = Number(await page.getByTestId("preview-version").textContent());
    assert.ok(firstVersion > 0);
    assert.match(await page.getByTestId("preview-json").textContent(), /"feed_title": "Office news"/);

    // Display URL, QR code and copy buttons.
    const status = await (await hub.adminGet("/admin/api/status")).json();
    const displayUrl = (await page.getByTestId("display-url").textContent()).trim();
    assert.ok(displayUrl.startsWith(`${status.listeners.player.url}/display/${widgetId}`), displayUrl);
    const qr = page.getByTestId("qr-code");
    assert.ok(Number(await qr.getAttribute("data-modules")) >= 21);
    assert.equal(await qr.getAttribute("aria-label"), `QR code for ${displayUrl}`);
    await page.getByRole("button", { name: "Copy Display URL" }).click();
    await page.getByText("Copied").first().waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), displayUrl);
    assert.equal((await page.getByTestId("widget-id").textContent()).trim(), widgetId);
    await shot("widget");

    // The display URL really serves this widget's data to a sign.
    const dataUrl = (await page.getByTestId("data-url").textContent()).trim();
    const served = await (await fetch(dataUrl, { headers: { "X-Player-Id": "lobby-tv" } })).json();
    assert.equal(served.data.items[0].title, "Alpha headline");

    feed.setFeed(rss("Office news", ["Delta headline", "Alpha headline", "Beta headline"]));
    await page.getByTestId("refresh-now").click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="rss-item"]')?.textContent?.includes("Delta headline"),
      undefined,
      { timeout: 20_000 },
    );
    assert.ok(Number(await page.getByTestId("preview-version").textContent()) > firstVersion, "a new version");
    await page.getByTestId("refresh-result").getByText("Fresh data arrived.").waitFor();
  });

  test("Test connection on the integration shows the upstream status, raw sample and mapped data", async () => {
    await page.getByRole("link", { name: "RSS feed" }).first().click();
    await page.getByTestId("integration-page").waitFor();
    await page.getByTestId("test-connection").click();
    const result = page.getByTestId("test-result");
    await result.waitFor();
    assert.equal(await result.getAttribute("data-ok"), "true");
    assert.match(await result.textContent(), /HTTP 200/);
    assert.match(await page.getByTestId("test-sample").textContent(), /<rss/);
    assert.match(await page.getByTestId("test-data").textContent(), /Delta headline/);
    await shot("integration");
  });

  test("OpenWeather: the API key shows as set and its value never reaches the page", async () => {
    await page.goto(`${hub.origin}/integrations/new?template=openweather`);
    await page.getByTestId("integration-form").waitFor();
    await page.getByTestId("save-integration").click();
    await page.getByTestId("integration-page").waitFor();

    const state = page.getByTestId("secret-state-api_key");
    assert.equal(await state.textContent(), "not set");
    const key = page.getByLabel("API key");
    assert.equal(await key.getAttribute("type"), "password");
    await key.fill(API_KEY);
    await page.getByTestId("save-credentials").click();
    await page.getByTestId("credentials-saved").waitFor();
    assert.equal(await state.textContent(), "set");
    assert.equal(await key.inputValue(), "", "the typed secret leaves the input once saved");
    await shot("integration-openweather");

    // Neither the DOM, nor any input's value, nor a reload shows the key.
    const values = await page.evaluate(() => [...document.querySelectorAll("input, textarea")].map((el) => el.value).join("\n"));
    assert.ok(!values.includes(API_KEY));
    assert.ok(!(await page.content()).includes(API_KEY));
    await page.reload();
    await page.getByTestId("integration-page").waitFor();
    assert.equal(await page.getByTestId("secret-state-api_key").textContent(), "set");
    assert.ok(!(await page.content()).includes(API_KEY));
    const api = await (await hub.adminGet(new URL(page.url()).pathname.replace("/integrations", "/admin/api/integrations"))).text();
    assert.ok(!api.includes(API_KEY), "the API does not return it either");
  });

  test("delete asks first, says what goes with it, and Escape cancels", async () => {
    // OpenWeather (no widgets): cancel with Escape, then confirm.
    const remove = page.getByTestId("delete-integration");
    await remove.click();
    const dialog = page.getByTestId("delete-integration-dialog");
    await dialog.waitFor();
    assert.equal(await page.getByRole("dialog").getAttribute("aria-modal"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Cancel", "the safe choice has the focus");
    assert.match(await page.getByTestId("delete-consequences").textContent(), /its credentials and cached data/);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "delete-integration", "focus returns to the opener");

    await remove.click();
    await page.getByTestId("confirm-button").click();
    await page.getByTestId("integrations-page").waitFor();
    await page.getByTestId("integrations-table").waitFor();
    assert.equal(await page.getByRole("link", { name: "OpenWeather" }).count(), 0);
    await shot("integrations");

    // RSS (one widget): the confirmation names the widget config and credentials going with it.
    await page.getByRole("button", { name: "Delete RSS feed" }).click();
    assert.match(
      await page.getByTestId("delete-consequences").textContent(),
      /its 1 widget config and that widget's credentials, and its own credentials and cached data/,
    );
    await shot("integration-delete-dialog");
    await page.keyboard.press("Escape");
  });

  test("Settings: a player token is shown once, then every display URL carries it", async () => {
    await page.goto(`${hub.origin}/settings`);
    await page.getByTestId("player-access").waitFor();
    const state = page.getByTestId("player-token-state");
    await state.getByText("No token").waitFor();
    await page.getByTestId("generate-player-token").click();
    const token = (await page.getByTestId("new-secret").inputValue()).trim();
    assert.ok(token.length >= 20, "a generated token");
    await state.getByText("Token required").waitFor();
    await shot("settings-token");
    await page.getByRole("button", { name: "I have copied it" }).click();
    assert.equal(await page.getByTestId("new-secret").count(), 0, "the token is gone once dismissed");
    assert.ok(!(await page.content()).includes(token));

    await page.goto(`${hub.origin}/widgets/${widgetId}`);
    const displayUrl = page.getByTestId("display-url");
    await displayUrl.waitFor();
    assert.match(await displayUrl.textContent(), new RegExp(`/display/${widgetId}\\?token=${token}$`));
    const dataUrl = (await page.getByTestId("data-url").textContent()).trim();
    assert.equal((await fetch(dataUrl)).status, 200, "the data URL with its token works");
    assert.equal((await fetch(dataUrl.replace(/\?token=.*$/, ""))).status, 401, "without it signs are refused");

    await page.goto(`${hub.origin}/settings`);
    await page.getByRole("button", { name: "Remove the token" }).click();
    await page.getByTestId("confirm-button").click();
    await state.getByText("No token").waitFor();
  });

  test("Settings: export downloads the definitions; import shows the report or the hub's field errors", async () => {
    await page.goto(`${hub.origin}/settings`);
    await page.getByTestId("definitions-transfer").waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export").click()]);
    assert.match(download.suggestedFilename(), /^millrace-definitions-\d{4}-\d{2}-\d{2}\.json$/);
    const exported = await readFile(await download.path(), "utf8");
    const doc = JSON.parse(exported);
    assert.equal(doc.format, "millrace.definitions");
    assert.ok(doc.integrations.some((i) => i.name === "RSS feed"));
    assert.ok(!exported.includes(API_KEY), "exports never contain secrets");

    const transfer = page.getByTestId("definitions-transfer");
    await transfer.getByLabel("Definitions file (JSON)").setInputFiles({ name: "defs.json", mimeType: "application/json", buffer: Buffer.from(exported) });
    await transfer.getByLabel("When a name already exists").selectOption("update");
    await page.getByTestId("import").click();
    const report = page.getByTestId("import-report");
    await report.waitFor();
    assert.match(await report.textContent(), /Integrations: 0 created, \d+ updated/);

    const broken = { ...doc, integrations: [{ ...doc.integrations[0], pull_interval_seconds: 5 }] };
    await transfer.getByLabel("Definitions file (JSON)").setInputFiles({ name: "bad.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(broken)) });
    await page.getByTestId("import").click();
    const errors = page.getByTestId("import-errors");
    await errors.waitFor();
    assert.match(await errors.textContent(), /pull_interval_seconds/);
    await shot("settings-import-errors");
  });

  test("Webhooks: a secret shown once, a signed test delivery, and the deliveries inspector", async () => {
    await page.goto(`${hub.origin}/integrations/new?template=signed-webhook`);
    await page.getByTestId("integration-form").waitFor();
    await shot("integration-form-push");
    await page.getByTestId("save-integration").click();
    await page.getByTestId("integration-page").waitFor();
    await page.getByRole("link", { name: "Webhook URL and secret" }).click();
    await page.getByTestId("webhooks-page").waitFor();

    // No tunnel: the local URL, with why internet senders need the tunnel.
    const url = (await page.getByTestId("webhook-url").textContent()).trim();
    const status = await (await hub.adminGet("/admin/api/status")).json();
    assert.ok(url.startsWith(`${status.listeners.hooks.url}/webhooks/integrations/`), url);
    assert.match(await page.getByTestId("webhook-local").textContent(), /need the tunnel/);
    assert.equal(await page.getByTestId("webhook-local").getByRole("link").getAttribute("href"), "/settings#tunnel");

    // Generate: the secret appears once, copyable, with its warning.
    assert.match(await page.getByTestId("webhook-secret-state").textContent(), /not set/);
    await page.getByTestId("rotate-secret").click();
    const secret = await page.getByTestId("new-secret").inputValue();
    assert.match(secret, /^whsec_/);
    assert.match(await page.getByTestId("secret-once").textContent(), /shown only this once/);
    await page.getByTestId("copy-secret").click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await page.getByTestId("webhook-secret-state").getByText("set", { exact: true }).waitFor();
    await page.getByRole("button", { name: "I have copied it" }).click();
    assert.ok(!(await page.content()).includes(secret), "gone once dismissed");

    // Rotate: asks first; the previous secret stays valid until the next rotation.
    await page.getByTestId("rotate-secret").click();
    assert.match(await page.getByRole("dialog").textContent(), /keeps working until the next rotation/);
    await page.getByTestId("confirm-button").click();
    const rotated = await page.getByTestId("new-secret").inputValue();
    assert.notEqual(rotated, secret);
    assert.match(await page.getByTestId("secret-once").textContent(), /previous secret stays valid/);
    await page.getByRole("button", { name: "I have copied it" }).click();

    // A signed test delivery through the hooks listener, and the hub's answer.
    await page.getByText("Send a test delivery").click();
    await page.getByLabel("Payload (JSON, optional)").fill('{"title": "Hello from the test"}');
    await page.getByTestId("send-test-delivery").click();
    const answer = page.getByTestId("webhook-test-result");
    await answer.getByText("HTTP 200").waitFor();
    assert.match(await answer.textContent(), /"success": true/);

    // A forged delivery is refused and recorded.
    const forged = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": "msg_forged",
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "webhook-signature": "v1,Zm9yZ2VkIHNpZ25hdHVyZSBmb3JnZWQgc2lnbmF0dXJl",
      },
      body: '{"title":"forged"}',
    });
    assert.equal(forged.status, 401);

    const rows = page.getByTestId("delivery-row");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="delivery-row"]').length >= 2, undefined, { timeout: 10_000 });
    await page.getByTestId("outcome-filter").selectOption("bad_signature");
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="delivery-row"]')].every((r) => r.getAttribute("data-outcome") === "bad_signature"),
    );
    assert.equal(await rows.count(), 1);
    await rows.first().getByRole("button", { name: "Details" }).click();
    const drawer = page.getByTestId("delivery-drawer");
    await drawer.waitFor();
    const detail = await drawer.textContent();
    assert.match(detail, /msg_forged/);
    assert.match(detail, /webhook-signature/);
    assert.ok(!detail.includes("Zm9yZ2VkIHNpZ25hdHVyZSBmb3JnZWQgc2lnbmF0dXJl"), "the signature is redacted by the hub");
    assert.match(detail, /"title":"forged"/);
    await shot("delivery-drawer", { fullPage: false });
    await page.keyboard.press("Escape");
    await drawer.waitFor({ state: "detached" });

    await page.getByTestId("outcome-filter").selectOption("accepted");
    await page.waitForFunction(() => document.querySelector('[data-testid="delivery-row"]')?.getAttribute("data-outcome") === "accepted");
    await page.getByTestId("outcome-filter").selectOption("");
    await shot("webhooks");
  });

  test("Tunnel: own public address, live state, 422 inline, and public webhook URLs", async () => {
    await page.goto(`${hub.origin}/settings`);
    const tunnel = page.getByTestId("tunnel-settings");
    await tunnel.getByTestId("tunnel-state").waitFor();
    assert.equal(await tunnel.getByTestId("tunnel-state").textContent(), "Off");

    await tunnel.getByLabel(/My own address/).check();
    const publicUrl = tunnel.getByLabel("Public URL");
    await publicUrl.fill("ftp://hooks.example.test");
    await page.getByTestId("save-tunnel").click();
    await tunnel.locator('[data-path="public_url"]').getByTestId("field-error").waitFor();
    assert.equal(await publicUrl.getAttribute("aria-invalid"), "true");

    await publicUrl.fill("https://hooks.example.test/");
    await page.getByTestId("save-tunnel").click();
    await tunnel.getByTestId("tunnel-state").getByText("Online").waitFor();
    assert.equal(await tunnel.getByTestId("tunnel-public-url").textContent(), "https://hooks.example.test");
    await shot("settings-tunnel", { fullPage: false });

    await page.getByRole("link", { name: "Webhooks" }).click();
    const url = page.getByTestId("webhook-url");
    await page.waitForFunction(() => document.querySelector('[data-testid="webhook-url"]')?.textContent?.startsWith("https://hooks.example.test/"));
    assert.match(await url.textContent(), /^https:\/\/hooks\.example\.test\/webhooks\/integrations\/\d+$/);
    assert.equal(await page.getByTestId("webhook-local").count(), 0, "no 'local only' warning with a tunnel");

    await page.goto(`${hub.origin}/settings`);
    await tunnel.getByLabel(/^Off/).check();
    await page.getByTestId("save-tunnel").click();
    await tunnel.getByTestId("tunnel-state").getByText("Off").waitFor();
  });

  test("every page renders: widgets, webhooks, players, settings, status, overview", async () => {
    await page.goto(`${hub.origin}/widgets`);
    await page.getByTestId("widgets-table").waitFor();
    await shot("widgets");

    await page.getByRole("link", { name: "Players" }).click();
    await page.getByTestId("player-row").first().waitFor();
    assert.match(await page.getByTestId("players-table").textContent(), /lobby-tv/);
    assert.match(await page.getByTestId("players-table").textContent(), /Lobby news/);
    await shot("players");

    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByTestId("settings-page").waitFor();
    await page.getByTestId("key-settings").getByTestId("keystore-warning").waitFor();
    await page.waitForTimeout(500);
    await shot("settings");

    await page.getByRole("link", { name: "Status" }).click();
    await page.getByTestId("hub-version").waitFor();
    await shot("status-page");

    await page.getByRole("link", { name: "Overview" }).click();
    await page.getByTestId("overview-page").waitFor();
    const integrations = await (await hub.adminGet("/admin/api/integrations")).json();
    const rss = integrations.find((i) => i.name === "RSS feed");
    const card = page.getByTestId(`overview-integration-${rss.id}`);
    await card.waitFor();
    if ((await hub.adminGet("/admin/api/overview")).status === 200) {
      // The live overview: health in words for the integration and its widget.
      await card.getByTestId("health-badge").first().waitFor();
      await card.getByText("Lobby news").waitFor();
      await page.getByTestId("overview-summary").waitFor();
    } else {
      await page.getByTestId("unsupported").waitFor();
    }
    await page.getByTestId("overview-tunnel").waitFor();
    await page.waitForTimeout(500);
    await shot("overview");

    // Back and forward work on client routes.
    await page.goBack();
    await page.getByTestId("status-page").waitFor();
    await page.goForward();
    await page.getByTestId("overview-page").waitFor();

    await page.getByLabel("Language").selectOption({ label: "Español" });
    await page.getByRole("heading", { level: 1, name: "Resumen" }).waitFor();
    await shot("overview-es");
    await page.getByLabel("Idioma").selectOption({ label: "English" });

    const unexpected = problems.filter((p) => !isExpectedAnswer(p));
    assert.deepEqual(unexpected, [], "no script errors in the page");
    assert.deepEqual(a11y, [], "no serious accessibility violations (axe-core) on any page screenshotted");
  });
});
