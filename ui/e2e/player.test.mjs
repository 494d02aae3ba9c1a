// End-to-end: signs against the real hub (`millrace serve`) in headless Chromium.
//
// An RSS pull integration reads a feed from a local server (node:http, loopback): the test opens
// /display/{id}, checks the headlines, changes the feed and asks the hub to refresh, and checks
// the page updates without a reload (pushed over SSE). It also uses /player.js from a page on
// another origin, as a custom sign would. Finally it stops the hub: the sign keeps the last
// headlines and shows the offline badge.
//
// Needs the hub built with the player routes (`cargo build`); screenshots go to e2e/artifacts/.

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { artifactPath, launchBrowser, newPage, offline } from "./browser.mjs";
import { startHub } from "./hub.mjs";

const LANDSCAPE = { width: 1920, height: 1080 };

/** An RSS 2.0 document. */
function rss(title, items) {
  const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const entries = items
    .map(
      (item) => `
    <item>
      <title>${escape(item.title)}</title>
      <link>${item.link}</link>
      <description>${escape(item.summary ?? "")}</description>
      <pubDate>${new Date(Date.now() - (item.minutesAgo ?? 1) * 60_000).toUTCString()}</pubDate>
    </item>`,
    )
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>${escape(title)}</title>
  <link>http://news.test/</link>
  <description>Local test feed</description>${entries}
</channel></rss>`;
}

/** A loopback server: the feed (changeable) and a custom sign page on its own origin. */
async function startUpstream() {
  let feed = "";
  let hits = 0;
  const server = createServer((req, res) => {
    if (req.url.startsWith("/feed.xml")) {
      hits++;
      res.writeHead(200, { "Content-Type": "application/rss+xml; charset=utf-8" });
      res.end(feed);
    } else if (req.url.startsWith("/custom.html")) {
      // A custom sign page, as README.md shows it, importing player.js from the hub.
      const hub = new URL(req.url, "http://x").searchParams.get("hub");
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><meta charset="utf-8"><title>Custom sign</title>
<h1 id="headline">…</h1><p id="state"></p>
<script type="module">
  import { IntegratedWidget } from "${hub}/player.js";
  const params = new URLSearchParams(location.search);
  const widget = new IntegratedWidget({
    widgetConfigId: params.get("id"),
    playerId: "custom-sign",
    onData(data, meta) {
      document.getElementById("headline").textContent = data && data.items[0] ? data.items[0].title : "(none)";
      document.body.dataset.version = meta.version;
    },
    onError(error) { document.body.dataset.error = error.code; },
    onStatus(state) { document.getElementById("state").textContent = state; },
  });
  widget.load();
  window.widget = widget;
</script>`);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    setFeed: (text) => (feed = text),
    hits: () => hits,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe("signs against the real hub", { timeout: 180_000 }, () => {
  /** @type {import("./hub.mjs").RunningHub} */
  let hub;
  /** @type {import("playwright-core").Browser} */
  let browser;
  let upstream;
  let player; // http://127.0.0.1:<player port>
  let widgetId;

  const admin = async (method, path, body) => {
    const res = await fetch(`${hub.origin}/admin/api${path}`, {
      method,
      headers: { Authorization: `Bearer ${hub.token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  /** Waits until the hub serves data for the widget whose first headline is `title`. */
  async function hubServes(title) {
    const deadline = Date.now() + 20_000;
    let last;
    while (Date.now() < deadline) {
      const res = await fetch(`${player}/api/widget-configs/${widgetId}/data`);
      last = res.status === 200 ? await res.json() : res.status;
      if (last?.data?.items?.[0]?.title === title) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`the hub never served "${title}"; last answer: ${JSON.stringify(last)}\n${hub.stderr()}`);
  }

  before(async () => {
    upstream = await startUpstream();
    upstream.setFeed(
      rss("Harbourside News", [
        { title: "Ferry timetable changes", link: "http://news.test/1", summary: "From Monday, the 8:15 ferry leaves at 8:20.", minutesAgo: 5 },
        { title: "Market returns to the square", link: "http://news.test/2", minutesAgo: 125 },
        { title: "Lighthouse open day", link: "http://news.test/3", minutesAgo: 300 },
      ]),
    );
    hub = await startHub();
    browser = await launchBrowser();
    const status = await (await hub.adminGet("/admin/api/status")).json();
    player = status.listeners.player.url;

    const integration = await admin("POST", "/integrations", { template: "rss" });
    assert.equal(integration.status, 201, JSON.stringify(integration.body));
    const wc = await admin("POST", "/widget-configs", {
      integration_id: integration.body.id,
      name: "Lobby news",
      options: { feed_url: `${upstream.origin}/feed.xml`, max_items: 5 },
    });
    assert.equal(wc.status, 201, JSON.stringify(wc.body));
    widgetId = wc.body.id;
    await hubServes("Ferry timetable changes");
  });

  after(async () => {
    await browser?.close();
    await hub?.cleanup();
    await upstream?.close();
  });

  test("the hub serves player.js and the display assets", async () => {
    for (const [path, type] of [
      ["/player.js", "text/javascript"],
      ["/display/assets/display.js", "text/javascript"],
      ["/display/assets/display.css", "text/css"],
    ]) {
      const res = await fetch(`${player}${path}`);
      assert.equal(res.status, 200, path);
      assert.ok(res.headers.get("content-type").startsWith(type), `${path}: ${res.headers.get("content-type")}`);
    }
    const page = await fetch(`${player}/display/${widgetId}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.ok(html.includes(`data-widget="${widgetId}" data-template="rss"`), "placeholders filled in: rss from the integration");
    assert.ok(!html.includes("{{"), "no placeholder left");
  });

  test("/display/{id} shows the feed, and updates without a reload when the feed changes", async () => {
    const { context, page, problems } = await newPage(browser, { viewport: LANDSCAPE });
    try {
      await offline(context);
      await page.goto(`${player}/display/${widgetId}`);
      await page.getByTestId("template-rss").waitFor();
      assert.equal(await page.getByTestId("rss-feed-title").textContent(), "Harbourside News");
      assert.equal(await page.getByTestId("rss-item-title").textContent(), "Ferry timetable changes");
      assert.ok((await page.getByTestId("rss-featured").textContent()).includes("5 min ago"));
      assert.deepEqual(await page.getByTestId("rss-next-title").allTextContents(), ["Market returns to the square", "Lighthouse open day"]);
      await page.waitForFunction(() => document.documentElement.dataset.connection === "live");
      await page.screenshot({ path: await artifactPath("player-display-rss.png") });

      // The feed changes; the hub pulls it (refresh now) and pushes the new version.
      await page.evaluate(() => (window.__sameDocument = true));
      upstream.setFeed(
        rss("Harbourside News", [
          { title: "Storm warning for the weekend", link: "http://news.test/4", summary: "Ferries may not run on Saturday.", minutesAgo: 1 },
          { title: "Ferry timetable changes", link: "http://news.test/1", minutesAgo: 6 },
        ]),
      );
      const refresh = await admin("POST", `/widget-configs/${widgetId}/refresh`);
      assert.ok(refresh.status === 202 || refresh.status === 200, JSON.stringify(refresh));
      await page.getByTestId("rss-item-title").filter({ hasText: "Storm warning for the weekend" }).waitFor();
      assert.equal(await page.evaluate(() => window.__sameDocument), true, "updated in place, no reload");
      assert.equal(await page.getByTestId("stale-badge").isVisible(), false);
      await page.screenshot({ path: await artifactPath("player-display-rss-updated.png") });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("a custom sign page on another origin uses /player.js (CORS, X-Player-Id)", async () => {
    const { context, page, problems } = await newPage(browser);
    try {
      await offline(context);
      await page.goto(`${upstream.origin}/custom.html?hub=${encodeURIComponent(player)}&id=${encodeURIComponent(widgetId)}`);
      await page.locator("#headline").filter({ hasText: "Storm warning for the weekend" }).waitFor();
      await page.locator("#state").filter({ hasText: /^live$/ }).waitFor();
      assert.deepEqual(problems, []);
      const players = await admin("GET", "/players");
      assert.equal(players.status, 200);
      const listed = JSON.stringify(players.body);
      assert.ok(listed.includes("custom-sign"), `the hub lists the player id it was sent: ${listed}`);
    } finally {
      await context.close();
    }
  });

  test("an unknown widget shows the friendly panel", async () => {
    const { context, page } = await newPage(browser);
    try {
      await offline(context);
      await page.goto(`${player}/display/no-such-widget`);
      const panel = page.getByTestId("error-panel");
      await panel.waitFor();
      assert.equal(await panel.getAttribute("data-code"), "not_found");
    } finally {
      await context.close();
    }
  });

  test("when the hub stops, the sign keeps the last headlines and shows the offline badge", async () => {
    const { context, page } = await newPage(browser, { viewport: LANDSCAPE });
    try {
      await offline(context);
      await page.goto(`${player}/display/${widgetId}`);
      await page.getByTestId("rss-item-title").filter({ hasText: "Storm warning for the weekend" }).waitFor();
      await page.waitForFunction(() => document.documentElement.dataset.connection === "live");

      const stopped = await hub.stop();
      assert.equal(stopped.code, 0, `the hub exits cleanly\n${hub.stderr()}`);

      const badge = page.getByTestId("stale-badge");
      await badge.waitFor({ state: "visible" });
      assert.equal(await badge.getAttribute("data-reason"), "offline");
      assert.ok((await badge.textContent()).startsWith("Offline"));
      assert.equal(await page.getByTestId("rss-item-title").textContent(), "Storm warning for the weekend", "the sign is not blanked");
      assert.equal(await page.getByTestId("error-panel").count(), 0);
      await page.screenshot({ path: await artifactPath("player-display-offline.png") });
    } finally {
      await context.close();
    }
  });
});
