// End-to-end: the /display sign page and player.js in headless Chromium, against a mock of the
// hub's player API (mock-hub.mjs) so each template can be fed exact data: every DESIGN §11 shape,
// hostile text, bad image URLs, a removed post, the hub's stale flag, and the hub going away.
// player.test.mjs covers the same page against the real hub.
//
// Screenshots (16:9 and 9:16) go to e2e/artifacts/ (gitignored).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { artifactPath, launchBrowser, newPage, offline } from "./browser.mjs";
import { startMockHub } from "./mock-hub.mjs";

const LANDSCAPE = { width: 1920, height: 1080 };
const PORTRAIT = { width: 1080, height: 1920 };
const minutesAgo = (n) => new Date(Date.now() - n * 60_000).toISOString();

describe("display templates", { timeout: 180_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startMockHub>>} */
  let hub;
  /** @type {import("playwright-core").Browser} */
  let browser;

  before(async () => {
    hub = await startMockHub();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await hub?.close();
  });

  /** Opens /display/{id} in a fresh context; `ready` waits for the template or a state. */
  async function open(id, { viewport = LANDSCAPE, query = "", origin = hub.origin } = {}) {
    const { context, page, problems } = await newPage(browser, { viewport });
    await offline(context);
    await page.goto(`${origin}/display/${encodeURIComponent(id)}${query}`);
    return { context, page, problems };
  }

  test("weather: big temperature in the widget's units, condition, icon, location, humidity and wind", async () => {
    hub.put("weather-1", "weather", {
      temperature: 17.42,
      feels_like: 17.01,
      condition: "Clouds",
      description: "broken clouds",
      icon: `${hub.origin}/pixel.png`,
      humidity: 72,
      wind_speed: 5.14,
      location: "Lisbon",
      units: "metric",
    });
    for (const [name, viewport] of [["landscape", LANDSCAPE], ["portrait", PORTRAIT]]) {
      const { context, page, problems } = await open("weather-1", { viewport });
      try {
        const tpl = page.getByTestId("template-weather");
        await tpl.waitFor();
        assert.equal(await page.getByTestId("weather-temperature").textContent(), "17°C");
        assert.equal(await page.getByTestId("weather-location").textContent(), "Lisbon");
        const text = await tpl.textContent();
        for (const part of ["Clouds", "Broken clouds", "Feels like 17°C", "Humidity", "72 %", "Wind", "5.1 m/s"]) {
          assert.ok(text.includes(part), `shows ${part}: ${text}`);
        }
        await page.locator(".weather-icon").waitFor({ state: "visible" });
        assert.equal(await page.getByTestId("stale-badge").isVisible(), false);
        await page.screenshot({ path: await artifactPath(`display-weather-${name}.png`) });
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    }
  });

  test("weather: °F and mph for imperial, K for standard; a broken icon is hidden", async () => {
    hub.put("weather-f", "weather", { temperature: 28.6, units: "imperial", wind_speed: 14.97, location: "Chicago", icon: "javascript:alert(1)" });
    hub.put("weather-k", "weather", { temperature: 290.6, units: "standard", location: "Nowhere", icon: `${hub.origin}/missing.png` });
    let { context, page } = await open("weather-f");
    try {
      await page.getByTestId("template-weather").waitFor();
      assert.equal(await page.getByTestId("weather-temperature").textContent(), "29°F");
      assert.ok((await page.getByTestId("template-weather").textContent()).includes("15 mph"));
      assert.equal(await page.locator(".weather-icon").getAttribute("src"), null, "no javascript: URL is loaded");
      assert.equal(await page.locator(".weather-icon").isVisible(), false);
    } finally {
      await context.close();
    }
    ({ context, page } = await open("weather-k"));
    try {
      await page.getByTestId("template-weather").waitFor();
      assert.equal(await page.getByTestId("weather-temperature").textContent(), "291 K");
      await page.waitForFunction(() => document.querySelector(".weather-icon")?.complete);
      assert.equal(await page.locator(".weather-icon").isVisible(), false, "an image that fails to load is hidden");
    } finally {
      await context.close();
    }
  });

  test("rss: feed title, featured headline with image and time, next headlines; cycles; hostile text stays text", async () => {
    hub.put("rss-1", "rss", {
      feed_title: "Harbourside News",
      feed_link: "https://example.org/",
      items: [
        {
          title: "Ferry timetable changes <img src=x onerror=\"window.__xss=1\">",
          link: "https://example.org/1",
          summary: "From Monday, the 8:15 ferry leaves at 8:20.",
          published: minutesAgo(5),
          image: `${hub.origin}/pixel.png`,
          author: "Harbour Desk",
        },
        { title: "Market returns to the square", link: "https://example.org/2", summary: "", published: minutesAgo(125), image: "javascript:alert(1)", author: null },
        { title: "Lighthouse open day", link: "https://example.org/3", summary: "Tours every hour.", published: null, image: null, author: null },
      ],
    });
    const { context, page, problems } = await open("rss-1");
    try {
      await page.clock.install();
      await page.reload();
      await page.getByTestId("template-rss").waitFor();
      assert.equal(await page.getByTestId("rss-feed-title").textContent(), "Harbourside News");
      const featured = page.getByTestId("rss-featured");
      assert.equal(
        await page.getByTestId("rss-item-title").textContent(),
        'Ferry timetable changes <img src=x onerror="window.__xss=1">',
        "markup in data is shown as text",
      );
      assert.equal(await page.evaluate(() => window.__xss), undefined, "and never runs");
      const featuredText = await featured.textContent();
      assert.ok(featuredText.includes("From Monday, the 8:15 ferry leaves at 8:20."));
      assert.ok(featuredText.includes("Harbour Desk"));
      assert.ok(featuredText.includes("5 min ago"), featuredText);
      await page.locator(".rss-image").waitFor({ state: "visible" });
      assert.deepEqual(await page.getByTestId("rss-next-title").allTextContents(), ["Market returns to the square", "Lighthouse open day"]);
      assert.ok((await page.getByTestId("rss-list").textContent()).includes("2 h ago"));
      await page.screenshot({ path: await artifactPath("display-rss-landscape.png") });

      // Ten seconds later the next headline is featured; a javascript: image is never used.
      await page.clock.runFor(10_000);
      assert.equal(await page.getByTestId("rss-item-title").textContent(), "Market returns to the square");
      assert.equal(await page.locator(".rss-image").count(), 0);
      assert.deepEqual(await page.getByTestId("rss-next-title").allTextContents(), ["Lighthouse open day", "Ferry timetable changes <img src=x onerror=\"window.__xss=1\">"]);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
    const portrait = await open("rss-1", { viewport: PORTRAIT });
    try {
      await portrait.page.getByTestId("template-rss").waitFor();
      await portrait.page.locator(".rss-image").waitFor({ state: "visible" });
      await portrait.page.screenshot({ path: await artifactPath("display-rss-portrait.png") });
    } finally {
      await portrait.context.close();
    }
  });

  test("rss: a new version replaces the headlines without a reload (pushed over SSE)", async () => {
    hub.put("rss-live", "rss", { feed_title: "Live", items: [{ title: "First", link: "https://e/1" }] });
    const { context, page, problems } = await open("rss-live");
    try {
      await page.getByTestId("template-rss").waitFor();
      assert.equal(await page.getByTestId("rss-item-title").textContent(), "First");
      await page.waitForFunction(() => document.documentElement.dataset.connection === "live");
      await page.evaluate(() => (window.__sameDocument = true));
      const before = hub.requests.length;
      const version = hub.put("rss-live", "rss", { feed_title: "Live", items: [{ title: "Second", link: "https://e/2" }, { title: "First", link: "https://e/1" }] });
      await page.getByTestId("rss-item-title").filter({ hasText: "Second" }).waitFor();
      assert.equal(await page.evaluate(() => window.__sameDocument), true, "no reload");
      assert.equal(await page.evaluate(() => document.documentElement.dataset.version), String(version));
      const asked = hub.requests.slice(before).filter((r) => r.includes("/data"));
      assert.ok(asked.length >= 1 && asked.every((r) => !r.includes("wait=")), `conditional GETs, no long poll: ${asked}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("social: a post card; a removed post keeps the previous one; nothing yet shows an empty state", async () => {
    hub.put("social-1", "social", {
      message: "We're open late tonight!\nCome by after 8 pm.",
      created_time: minutesAgo(3),
      from: { name: "Harbour Café" },
      permalink_url: "https://facebook.com/1",
    });
    const { context, page, problems } = await open("social-1", { viewport: PORTRAIT });
    try {
      await page.getByTestId("social-post").waitFor();
      assert.equal(await page.getByTestId("social-message").textContent(), "We're open late tonight!\nCome by after 8 pm.");
      const card = await page.getByTestId("social-post").textContent();
      assert.ok(card.includes("Harbour Café") && card.includes("3 min ago"), card);
      await page.screenshot({ path: await artifactPath("display-social-portrait.png") });

      hub.put("social-1", "social", { removed: true });
      await page.waitForFunction((v) => document.documentElement.dataset.version === v, String(hub.put("social-1", "social", { removed: true, post_id: "x" })));
      assert.equal(await page.getByTestId("social-message").textContent(), "We're open late tonight!\nCome by after 8 pm.");
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
    hub.put("social-empty", "social", { removed: true });
    const empty = await open("social-empty");
    try {
      await empty.page.getByTestId("social-empty").waitFor();
      assert.equal(await empty.page.getByTestId("social-empty").textContent(), "No posts yet");
    } finally {
      await empty.context.close();
    }
  });

  test("generic: top-level values as labelled fields, nested values as compact JSON", async () => {
    hub.put("json-1", "generic", {
      title: "millrace/millrace",
      stars: 1234,
      open_issues: 7,
      archived: false,
      homepage: null,
      owner: { login: "millrace", type: "Organization" },
      topics: ["signage", "rust"],
    });
    const { context, page, problems } = await open("json-1");
    try {
      await page.getByTestId("template-generic").waitFor();
      const field = (key) => page.locator(`.generic-field[data-key="${key}"]`);
      assert.equal(await page.locator(".generic-title").textContent(), "millrace/millrace");
      assert.equal(await field("stars").locator("dt").textContent(), "Stars");
      assert.equal(await field("stars").locator("dd").textContent(), "1,234");
      assert.equal(await field("open_issues").locator("dt").textContent(), "Open issues");
      assert.equal(await field("archived").locator("dd").textContent(), "✗");
      assert.equal(await field("homepage").locator("dd").textContent(), "—");
      assert.equal(await field("owner").locator("dd").textContent(), '{"login":"millrace","type":"Organization"}');
      assert.equal(await field("topics").locator("dd").textContent(), '["signage","rust"]');
      await page.screenshot({ path: await artifactPath("display-generic-landscape.png") });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test("data that does not fit the template is still shown, as generic fields", async () => {
    hub.put("weather-odd", "weather", "just a string");
    const { context, page } = await open("weather-odd");
    try {
      await page.getByTestId("template-generic").waitFor();
      assert.equal(await page.locator(".generic-single").textContent(), "just a string");
    } finally {
      await context.close();
    }
  });

  test("states: waiting for the first data, then content; the hub's stale flag shows the badge", async () => {
    hub.put("pending-1", "rss", null, { status: "pending", fetched_at: null });
    const { context, page } = await open("pending-1");
    try {
      const loading = page.getByTestId("loading");
      await loading.filter({ hasText: "Waiting for the first data…" }).waitFor();
      assert.equal(await loading.locator(".spinner").count(), 1);
      hub.put("pending-1", "rss", { feed_title: "Now", items: [{ title: "Arrived" }] });
      await page.getByTestId("rss-item-title").filter({ hasText: "Arrived" }).waitFor();
      assert.equal(await page.getByTestId("stale-badge").isVisible(), false);

      hub.put("pending-1", "rss", { feed_title: "Now", items: [{ title: "Arrived" }, { title: "Old" }] }, {
        status: "error",
        stale: true,
        error: "the feed answered 503",
        fetched_at: minutesAgo(90),
      });
      const badge = page.getByTestId("stale-badge");
      await badge.waitFor({ state: "visible" });
      assert.equal(await badge.getAttribute("data-reason"), "stale");
      assert.equal(await badge.textContent(), "Stale" + "updated 1 h ago");
      assert.equal(await badge.getAttribute("title"), "the feed answered 503");
      await page.screenshot({ path: await artifactPath("display-stale-badge.png") });
    } finally {
      await context.close();
    }
  });

  test("states: the hub has no data because its fetch failed → a friendly panel with its reason", async () => {
    hub.put("failed-1", "weather", null, { status: "auth_failed", error: "the weather service refused the API key" });
    const { context, page } = await open("failed-1");
    try {
      const panel = page.getByTestId("error-panel");
      await panel.waitFor();
      assert.equal(await panel.getAttribute("data-code"), "upstream");
      const text = await panel.textContent();
      assert.ok(text.includes("No data yet") && text.includes("the weather service refused the API key"), text);
    } finally {
      await context.close();
    }
  });

  test("states: an unknown widget shows a friendly error panel (Spanish with ?lang=es)", async () => {
    const { context, page } = await open("no-such-widget", { query: "?lang=es&theme=light" });
    try {
      const panel = page.getByTestId("error-panel");
      await panel.waitFor();
      assert.equal(await panel.getAttribute("data-code"), "not_found");
      assert.ok((await panel.textContent()).includes("Este widget no está disponible"));
      assert.equal(await page.getAttribute("html", "lang"), "es");
      assert.equal(await page.getAttribute("html", "data-theme"), "light");
      await page.screenshot({ path: await artifactPath("display-error-light.png") });
    } finally {
      await context.close();
    }
  });

  test("states: a widget that appears later is picked up, with its template", async () => {
    const { context, page } = await open("late-widget");
    try {
      await page.clock.install();
      await page.reload();
      await page.getByTestId("error-panel").waitFor();
      hub.put("late-widget", "weather", { temperature: 21, units: "metric", location: "Porto" });
      await page.clock.runFor(61_000); // the slow retry after a 404
      await page.getByTestId("template-weather").waitFor();
      assert.equal(await page.getAttribute("html", "data-template"), "weather", "reloaded: the hub chose the template");
      assert.equal(await page.getByTestId("weather-location").textContent(), "Porto");
    } finally {
      await context.close();
    }
  });

  test("states: when the hub goes away the last data stays, with the offline badge", async () => {
    const own = await startMockHub();
    try {
      own.put("rss-gone", "rss", { feed_title: "Still here", items: [{ title: "Last known headline" }] });
      const { context, page } = await open("rss-gone", { origin: own.origin });
      try {
        await page.getByTestId("rss-item-title").filter({ hasText: "Last known headline" }).waitFor();
        await page.waitForFunction(() => document.documentElement.dataset.connection === "live");
        await own.close();
        const badge = page.getByTestId("stale-badge");
        await badge.waitFor({ state: "visible" });
        assert.equal(await badge.getAttribute("data-reason"), "offline");
        assert.ok((await badge.textContent()).startsWith("Offline"));
        assert.equal(await page.getByTestId("rss-item-title").textContent(), "Last known headline", "the sign is not blanked");
        await page.screenshot({ path: await artifactPath("display-offline-badge.png") });
      } finally {
        await context.close();
      }
    } finally {
      await own.close().catch(() => {});
    }
  });
});
