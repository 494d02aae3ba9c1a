// Unit tests of player.js: fake fetch, EventSource and timers, so every delay is exact and
// nothing touches the network. Run with `node --test player/test/` (Node 20, no dependencies).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { IntegratedWidget } from "../player.js";

const HUB = "http://hub.test:7421";
const ID = "wc-1";

/** Lets every pending promise callback run. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Timers that run only when told to, in order of due time. */
class FakeClock {
  now = 1_700_000_000_000;
  timers = new Map();
  #nextId = 1;
  setTimeout = (fn, ms = 0) => {
    const id = this.#nextId++;
    this.timers.set(id, { id, at: this.now + Math.max(0, ms), fn });
    return id;
  };
  clearTimeout = (id) => {
    this.timers.delete(id);
  };
  #earliest(limit = Infinity) {
    let next = null;
    for (const t of this.timers.values()) {
      if (t.at <= limit && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
    }
    return next;
  }
  /** Runs the earliest timer; false when there is none. */
  async runNext() {
    await flush();
    const next = this.#earliest();
    if (!next) return false;
    this.timers.delete(next.id);
    this.now = Math.max(this.now, next.at);
    next.fn();
    await flush();
    return true;
  }
  /** Moves time forward by `ms`, running every timer that falls due. */
  async advance(ms) {
    const target = this.now + ms;
    for (;;) {
      await flush();
      const next = this.#earliest(target);
      if (!next) break;
      this.timers.delete(next.id);
      this.now = Math.max(this.now, next.at);
      next.fn();
    }
    this.now = target;
    await flush();
  }
}

function response(status, body) {
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: new Map(body && typeof body.version === "number" ? [["etag", `"${body.version}"`]] : []),
    json: async () => {
      if (body === undefined) throw new SyntaxError("Unexpected end of JSON input");
      return body;
    },
  };
}

const dataBody = (version, data, extra = {}) => ({
  version,
  data,
  fetched_at: "2025-01-01T12:00:00Z",
  status: "ok",
  stale: false,
  error: null,
  ...extra,
});

/**
 * A fake browser: fetch calls wait until the test answers them. With `holdLongPolls`, the fake
 * hub answers every long poll the test leaves alone with 304 when its wait runs out.
 */
function fakeBrowser({ eventSource = true, random = () => 0, holdLongPolls = false } = {}) {
  const clock = new FakeClock();
  const fetches = [];
  function fetch(url, init) {
    return new Promise((resolve, reject) => {
      const call = {
        url: new URL(url),
        init,
        aborted: false,
        settled: false,
        respond(status, body) {
          call.settled = true;
          resolve(response(status, body));
        },
        fail(error = new TypeError("Failed to fetch")) {
          call.settled = true;
          reject(error);
        },
      };
      init.signal?.addEventListener("abort", () => {
        call.aborted = true;
        call.settled = true;
        reject(new DOMException("The operation was aborted.", "AbortError"));
      });
      fetches.push(call);
      const wait = call.url.searchParams.get("wait");
      if (holdLongPolls && wait) {
        clock.setTimeout(() => {
          if (!call.settled) call.respond(304);
        }, Number(wait) * 1000);
      }
    });
  }
  const sources = [];
  class FakeEventSource {
    constructor(url) {
      this.url = new URL(url);
      this.closed = false;
      this.listeners = {};
      this.onopen = this.onmessage = this.onerror = null;
      sources.push(this);
    }
    addEventListener(type, fn) {
      (this.listeners[type] ??= []).push(fn);
    }
    close() {
      this.closed = true;
    }
    // Test controls.
    open() {
      this.onopen?.({ type: "open" });
    }
    emit(type, data) {
      const event = { type, data: JSON.stringify(data) };
      for (const fn of this.listeners[type] ?? []) fn(event);
    }
    fail() {
      this.onerror?.({ type: "error" });
    }
  }
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, String(v)) };
  const env = {
    fetch,
    EventSource: eventSource ? FakeEventSource : null,
    AbortController,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    now: () => clock.now,
    random,
    storage,
  };
  const last = () => fetches[fetches.length - 1];
  const open = () => sources.filter((s) => !s.closed);
  /** Runs timers until a new fetch starts; returns how long that took. */
  async function untilFetch(limit = 50) {
    const before = fetches.length;
    const start = clock.now;
    for (let i = 0; i < limit && fetches.length === before; i++) {
      if (!(await clock.runNext())) break;
    }
    assert.ok(fetches.length > before, "a request started");
    return clock.now - start;
  }
  return { clock, fetches, sources, open, env, store, last, untilFetch };
}

/** A widget wired to a fake browser, recording its callbacks. */
function makeWidget(browser, options = {}) {
  const seen = { data: [], errors: [], states: [] };
  const widget = new IntegratedWidget({
    widgetConfigId: ID,
    hubUrl: HUB,
    env: browser.env,
    onData: (data, meta) => seen.data.push({ data, meta }),
    onError: (error, meta) => seen.errors.push({ error, meta }),
    onStatus: (state) => seen.states.push(state),
    ...options,
  });
  return { widget, seen };
}

describe("polling", () => {
  test("the first request has no version; later ones carry it; 304 calls nothing", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget, seen } = makeWidget(b);
    const loaded = widget.load();
    await flush();
    assert.equal(b.fetches.length, 1);
    const first = b.last();
    assert.equal(first.url.pathname, `/api/widget-configs/${ID}/data`);
    assert.equal(first.url.search, "", "no version (and no wait) on the first request");
    first.respond(200, dataBody(7, { title: "Hello" }));
    await loaded;
    assert.deepEqual(seen.data, [
      {
        data: { title: "Hello" },
        meta: { version: 7, fetched_at: "2025-01-01T12:00:00Z", status: "ok", stale: false, error: null },
      },
    ]);
    assert.equal(widget.version, 7);
    assert.deepEqual(widget.data, { title: "Hello" });
    assert.equal(widget.state, "polling");

    // Without EventSource: long poll at once, holding version 7.
    await b.untilFetch();
    assert.equal(b.last().url.searchParams.get("version"), "7");
    assert.equal(b.last().url.searchParams.get("wait"), "30");
    b.clock.now += 30_000; // the hub held it for the full wait
    b.last().respond(304);
    await flush();
    assert.equal(seen.data.length, 1, "304 = unchanged: no callback");

    // Next long poll: a new version.
    await b.untilFetch();
    assert.equal(b.last().url.searchParams.get("version"), "7");
    b.last().respond(200, dataBody(9, { title: "World" }, { stale: true, status: "error", error: "timeout" }));
    await flush();
    assert.equal(seen.data.length, 2);
    assert.deepEqual(seen.data[1].data, { title: "World" });
    assert.equal(seen.data[1].meta.stale, true);
    assert.equal(seen.data[1].meta.status, "error");
    assert.equal(seen.data[1].meta.error, "timeout");
    await b.untilFetch();
    assert.equal(b.last().url.searchParams.get("version"), "9");
    assert.deepEqual(seen.errors, []);
    widget.unload();
  });

  test("a 200 with the version already held calls nothing", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget, seen } = makeWidget(b);
    widget.load();
    await flush();
    b.last().respond(200, dataBody(3, "a"));
    await b.untilFetch();
    b.clock.now += 30_000;
    b.last().respond(200, dataBody(3, "a"));
    await flush();
    assert.equal(seen.data.length, 1);
    widget.unload();
  });

  test("data null while the hub has none yet is reported with its status", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget, seen } = makeWidget(b);
    widget.load();
    await flush();
    b.last().respond(200, { version: 5, data: null, fetched_at: null, status: "pending", stale: false, error: null });
    await flush();
    assert.deepEqual(seen.data, [
      { data: null, meta: { version: 5, fetched_at: null, status: "pending", stale: false, error: null } },
    ]);
    widget.unload();
  });

  test("sends the player id and the token on every request", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget } = makeWidget(b, { token: "s3cret", playerId: "lobby-tv" });
    widget.load();
    await flush();
    for (let i = 0; i < 3; i++) {
      const call = b.last();
      assert.equal(call.init.headers["X-Player-Id"], "lobby-tv");
      assert.equal(call.init.headers.Authorization, "Bearer s3cret");
      assert.equal(call.init.cache, "no-store", "the browser cache never answers for the hub");
      assert.equal(call.url.searchParams.get("token"), null, "the token stays out of data URLs");
      b.clock.now += 30_000;
      call.respond(i === 0 ? 200 : 304, i === 0 ? dataBody(1, {}) : undefined);
      await b.untilFetch();
    }
    widget.unload();
  });

  test("without a token, no Authorization header", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget } = makeWidget(b);
    widget.load();
    await flush();
    assert.equal(b.last().init.headers.Authorization, undefined);
    widget.unload();
  });

  test("a random player id is kept in storage and reused", () => {
    const b = fakeBrowser({ eventSource: false });
    const a = makeWidget(b).widget;
    assert.match(a.playerId, /^sign-[0-9a-f]{16}$/);
    assert.equal(b.store.get("millrace.playerId"), a.playerId);
    const again = makeWidget(b).widget;
    assert.equal(again.playerId, a.playerId);
  });

  test("the hub URL defaults to where player.js was loaded from, and must be http(s)", () => {
    const b = fakeBrowser({ eventSource: false });
    // Loaded from file:// here, so there is no hub to default to.
    assert.throws(
      () => new IntegratedWidget({ widgetConfigId: ID, env: b.env }),
      /hubUrl is required/,
    );
    assert.throws(() => new IntegratedWidget({ hubUrl: HUB, env: b.env }), /widgetConfigId is required/);
    const w = new IntegratedWidget({ widgetConfigId: ID, hubUrl: `${HUB}/`, env: b.env });
    assert.equal(w.hubUrl, HUB, "a trailing slash is dropped");
  });

  test("a hub that answers long polls at once is polled, not hammered", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget } = makeWidget(b);
    widget.load();
    await flush();
    b.last().respond(200, dataBody(1, {}));
    await b.untilFetch();
    b.last().respond(304); // immediately, although wait=30 was asked
    const gap = await b.untilFetch();
    assert.equal(gap, 15_000);
    widget.unload();
  });

  test("a request with no answer times out and counts as the hub being unavailable", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget, seen } = makeWidget(b);
    widget.load();
    await flush();
    const hung = b.last();
    await b.clock.advance(15_000);
    assert.equal(hung.aborted, true, "the hung request is aborted");
    assert.equal(seen.errors.length, 1);
    assert.equal(seen.errors[0].error.code, "unavailable");
    assert.equal(seen.errors[0].meta.status, 0);
    assert.equal(widget.state, "offline");
    widget.unload();
  });
});

describe("errors never blank the sign", () => {
  test("network errors keep the data, report once per episode, and back off 2 s doubling to 60 s", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget, seen } = makeWidget(b);
    widget.load();
    await flush();
    b.last().respond(200, dataBody(4, { title: "Kept" }));
    await b.untilFetch();

    const gaps = [];
    for (let i = 0; i < 8; i++) {
      b.last().fail();
      gaps.push(await b.untilFetch());
      assert.equal(b.last().url.searchParams.get("version"), "4", "retries still ask for changes since 4");
    }
    assert.deepEqual(gaps, [2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000], "delays grow and cap");
    assert.equal(seen.errors.length, 1, "one onError per episode");
    const [{ error, meta }] = seen.errors;
    assert.equal(error.code, "unavailable");
    assert.match(error.message, /cannot be reached/);
    assert.deepEqual(meta, { code: "unavailable", status: 0, retryInMs: 2000, hasData: true });
    assert.deepEqual(widget.data, { title: "Kept" }, "the last data is kept");
    assert.equal(seen.data.length, 1, "onData is not called with empty data");
    assert.equal(widget.state, "offline");

    // Recovery: the hub answers again.
    b.clock.now += 30_000;
    b.last().respond(304);
    await flush();
    assert.equal(widget.state, "polling");
    assert.deepEqual(seen.states, ["polling", "offline", "polling"]);

    // A new outage is a new episode, and the backoff starts over.
    await b.untilFetch();
    b.last().respond(503);
    assert.equal(await b.untilFetch(), 2000);
    assert.equal(seen.errors.length, 2);
    assert.equal(seen.errors[1].error.status, 503);
    assert.match(seen.errors[1].error.message, /HTTP 503/);
    widget.unload();
  });

  test("jitter only ever shortens a delay, by at most 20 %", async () => {
    const b = fakeBrowser({ eventSource: false, random: () => 0.999 });
    const { widget } = makeWidget(b);
    widget.load();
    await flush();
    const gaps = [];
    for (let i = 0; i < 7; i++) {
      b.last().respond(500);
      gaps.push(await b.untilFetch());
    }
    const raw = [2000, 4000, 8000, 16000, 32000, 60000, 60000];
    gaps.forEach((gap, i) => {
      assert.ok(gap <= raw[i] && gap >= raw[i] * 0.8, `gap ${i}: ${gap} within [${raw[i] * 0.8}, ${raw[i]}]`);
      assert.notEqual(gap, raw[i], "jitter applied");
    });
    widget.unload();
  });

  test("a first request that fails resolves load() and still recovers", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget, seen } = makeWidget(b);
    const loaded = widget.load();
    await flush();
    b.last().fail();
    await loaded;
    assert.equal(seen.errors.length, 1);
    assert.equal(seen.errors[0].meta.hasData, false);
    await b.untilFetch();
    assert.equal(b.last().url.search, "", "still no version to send");
    b.last().respond(200, dataBody(2, "x"));
    await flush();
    assert.equal(seen.data.length, 1);
    assert.equal(widget.state, "polling");
    widget.unload();
  });

  test("an unreadable 200 counts as an error, not as data", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget, seen } = makeWidget(b);
    widget.load();
    await flush();
    b.last().respond(200, { hello: "no version" });
    await flush();
    assert.equal(seen.data.length, 0);
    assert.equal(seen.errors[0].error.code, "unavailable");
    widget.unload();
  });

  test("404 says what is wrong and retries slowly until the widget is back", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget, seen } = makeWidget(b);
    widget.load();
    await flush();
    b.last().respond(404, { error: { code: "not_found", message: "no active widget config wc-1" } });
    await flush();
    assert.equal(widget.state, "not_found");
    assert.equal(seen.errors.length, 1);
    const { error, meta } = seen.errors[0];
    assert.equal(error.code, "not_found");
    assert.equal(error.status, 404);
    assert.match(error.message, /no active widget "wc-1"/);
    assert.match(error.message, /deleted or disabled/);
    assert.equal(meta.retryInMs, 60000);
    assert.equal(await b.untilFetch(), 60000);
    b.last().respond(404);
    assert.equal(await b.untilFetch(), 60000, "404 retries stay slow");
    assert.equal(seen.errors.length, 1, "still one episode");
    b.last().respond(200, dataBody(8, "back"));
    await flush();
    assert.deepEqual(seen.data.map((d) => d.data), ["back"]);
    assert.equal(widget.state, "polling");
    widget.unload();
  });

  test("401 asks for the player token and retries slowly", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget, seen } = makeWidget(b);
    widget.load();
    await flush();
    b.last().respond(401);
    await flush();
    assert.equal(widget.state, "unauthorized");
    assert.equal(seen.errors[0].error.code, "unauthorized");
    assert.match(seen.errors[0].error.message, /player token/);
    assert.equal(await b.untilFetch(), 60000);
    widget.unload();
  });

  test("400 (a version the hub rejects) drops the version", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget, seen } = makeWidget(b);
    widget.load();
    await flush();
    b.last().respond(200, dataBody(5, "a"));
    await b.untilFetch();
    b.last().respond(400);
    await b.untilFetch();
    assert.equal(b.last().url.search, "", "asks afresh");
    assert.equal(seen.errors[0].error.code, "bad_request");
    widget.unload();
  });

  test("a callback that throws does not stop the widget", async () => {
    const b = fakeBrowser({ eventSource: false });
    const original = console.error;
    const logged = [];
    console.error = (...args) => logged.push(args);
    try {
      const { widget } = makeWidget(b, {
        onData() {
          throw new Error("render bug");
        },
      });
      widget.load();
      await flush();
      b.last().respond(200, dataBody(1, {}));
      await b.untilFetch();
      assert.equal(b.last().url.searchParams.get("version"), "1");
      assert.equal(logged.length, 1);
      widget.unload();
    } finally {
      console.error = original;
    }
  });
});

describe("push (Server-Sent Events)", () => {
  /** A widget that has loaded version 10 and whose stream is open. */
  async function pushed(options) {
    const b = fakeBrowser({ holdLongPolls: true });
    const w = makeWidget(b, options);
    w.widget.load();
    await flush();
    b.last().respond(200, dataBody(10, { n: 10 }));
    await b.clock.advance(0); // the stream opens once the hub has answered
    assert.equal(b.sources.length, 1);
    const source = b.sources[0];
    source.open();
    source.emit("version", { widget_config_id: ID, version: 10 });
    await flush();
    return { b, ...w, source };
  }

  test("the stream URL names the widget, the player and the token", async () => {
    const { b, widget, source } = await pushed({ token: "t/k n", playerId: "p1" });
    assert.equal(source.url.origin + source.url.pathname, `${HUB}/api/events`);
    assert.deepEqual(source.url.searchParams.getAll("widget_config_id"), [ID]);
    assert.equal(source.url.searchParams.get("player"), "p1");
    assert.equal(source.url.searchParams.get("token"), "t/k n");
    assert.equal(widget.state, "live");
    assert.equal(b.fetches.length, 1, "the initial event for the version held fetches nothing");
    widget.unload();
  });

  test("while the stream is healthy there is no long poll, only a slow safety poll", async () => {
    const { b, widget } = await pushed();
    const start = b.clock.now;
    for (let t = 0; t < 4; t++) {
      await b.clock.advance(15_000);
      b.sources[0].emit("ping", {});
    }
    assert.equal(b.fetches.length, 1, "nothing in the first minute");
    // The hub keeps pinging; the safety poll comes 5 minutes after the answer.
    while (b.fetches.length === 1) {
      await b.clock.advance(15_000);
      b.sources[0].emit("ping", {});
    }
    assert.equal(b.sources[0].closed, false);
    assert.equal(b.clock.now - start, 5 * 60_000, "a safety poll after 5 minutes");
    assert.equal(b.last().url.searchParams.get("wait"), null, "the safety poll does not wait");
    assert.equal(b.last().url.searchParams.get("version"), "10");
    widget.unload();
  });

  test("an event with a new version triggers one conditional GET", async () => {
    const { b, widget, seen, source } = await pushed();
    source.emit("version", { widget_config_id: ID, version: 11 });
    await flush();
    assert.equal(b.fetches.length, 2);
    assert.equal(b.last().url.searchParams.get("version"), "10");
    assert.equal(b.last().url.searchParams.get("wait"), null);
    // A second announcement while the request is in flight does not start another one now.
    source.emit("version", { widget_config_id: ID, version: 11 });
    source.emit("version", { widget_config_id: "someone-else", version: 99 });
    await flush();
    assert.equal(b.fetches.length, 2);
    b.last().respond(200, dataBody(11, { n: 11 }));
    await flush();
    assert.deepEqual(seen.data.map((d) => d.data), [{ n: 10 }, { n: 11 }]);
    assert.equal(b.fetches.length, 2, "the version announced is now held: no extra request");
    widget.unload();
  });

  test("an announcement during a request fetches again after it when still newer", async () => {
    const { b, widget, seen, source } = await pushed();
    source.emit("version", { widget_config_id: ID, version: 11 });
    await flush();
    source.emit("version", { widget_config_id: ID, version: 12 });
    await flush();
    b.last().respond(200, dataBody(11, { n: 11 }));
    await flush();
    assert.equal(b.fetches.length, 3);
    assert.equal(b.last().url.searchParams.get("version"), "11");
    b.last().respond(200, dataBody(12, { n: 12 }));
    await flush();
    assert.deepEqual(seen.data.map((d) => d.data.n), [10, 11, 12]);
    widget.unload();
  });

  test("a stalled stream (no ping for 45 s) is closed and long polling takes over", async () => {
    const { b, widget, source } = await pushed();
    await b.clock.advance(44_000);
    assert.equal(source.closed, false);
    assert.equal(b.fetches.length, 1);
    await b.clock.advance(1_000);
    assert.equal(source.closed, true, "the stalled stream is closed");
    assert.equal(widget.state, "polling");
    assert.equal(b.fetches.length, 2, "a long poll starts at once");
    assert.equal(b.last().url.searchParams.get("wait"), "30");
    assert.equal(b.last().url.searchParams.get("version"), "10");
    widget.unload();
  });

  test("pings keep the stream alive", async () => {
    const { b, widget, source } = await pushed();
    for (let i = 0; i < 20; i++) {
      await b.clock.advance(15_000);
      source.emit("ping", {});
    }
    assert.equal(source.closed, false);
    assert.equal(widget.state, "live");
    widget.unload();
  });

  test("a stream error falls back to long polling and the stream is retried with backoff", async () => {
    const { b, widget, source } = await pushed();
    source.fail();
    await flush();
    assert.equal(source.closed, true);
    assert.equal(widget.state, "polling");
    const longPoll = b.last();
    assert.equal(longPoll.url.searchParams.get("wait"), "30");

    // Retries 5 s, 10 s, 20 s … apart while it keeps failing.
    const retryGaps = [];
    for (let i = 0; i < 3; i++) {
      const before = b.sources.length;
      const start = b.clock.now;
      while (b.sources.length === before) await b.clock.runNext();
      retryGaps.push(b.clock.now - start);
      b.sources[b.sources.length - 1].fail();
      await flush();
    }
    assert.deepEqual(retryGaps, [5000, 10000, 20000]);

    assert.equal(widget.state, "polling", "long polls keep the widget current meanwhile");
    assert.ok(b.fetches.length >= 3, "long polls followed one another");
    assert.ok(b.fetches.every((f) => f === b.last() || f.settled));

    // Then it works again: the long poll in flight is abandoned and the widget is live.
    while (b.sources.length === 4) await b.clock.runNext();
    const current = b.last();
    assert.equal(current.url.searchParams.get("wait"), "30");
    b.sources[4].open();
    await flush();
    assert.equal(current.aborted, true, "the long poll is no longer needed");
    assert.equal(widget.state, "live");
    assert.equal(b.open().length, 1);
    widget.unload();
  });

  test("without EventSource, long polling only", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget } = makeWidget(b);
    widget.load();
    await flush();
    b.last().respond(200, dataBody(1, {}));
    await b.clock.advance(0);
    assert.equal(b.sources.length, 0);
    assert.equal(b.last().url.searchParams.get("wait"), "30");
    widget.unload();
  });

  test("widgets of one page share one stream to the hub", async () => {
    const b = fakeBrowser();
    const one = makeWidget(b, { playerId: "p" });
    const two = makeWidget(b, { playerId: "p", widgetConfigId: "wc-2" });
    one.widget.load();
    two.widget.load();
    await flush();
    b.fetches[0].respond(200, dataBody(1, "a"));
    b.fetches[1].respond(200, dataBody(2, "b"));
    await b.clock.advance(0);
    assert.equal(b.sources.length, 1, "one stream");
    const source = b.sources[0];
    assert.deepEqual(source.url.searchParams.getAll("widget_config_id"), [ID, "wc-2"]);
    source.open();
    await flush();
    assert.equal(one.widget.state, "live");
    assert.equal(two.widget.state, "live");
    source.emit("version", { widget_config_id: "wc-2", version: 3 });
    await flush();
    assert.equal(b.last().url.pathname, "/api/widget-configs/wc-2/data");

    // One leaves: the stream reopens for the other alone; the last one closes it.
    one.widget.unload();
    await b.clock.advance(0);
    assert.equal(source.closed, true);
    assert.equal(b.sources.length, 2);
    assert.deepEqual(b.sources[1].url.searchParams.getAll("widget_config_id"), ["wc-2"]);
    two.widget.unload();
    assert.equal(b.open().length, 0);
  });

  test("a widget the hub does not know leaves the shared stream, which would fail for everyone", async () => {
    const b = fakeBrowser();
    const one = makeWidget(b, { playerId: "p" });
    one.widget.load();
    await flush();
    b.last().respond(200, dataBody(1, "a"));
    await b.clock.advance(0);
    b.sources[0].open();
    await flush();
    // The safety poll finds the widget gone.
    await b.untilFetch();
    b.last().respond(404);
    await flush();
    assert.equal(b.open().length, 0, "no stream names a widget the hub refuses");
    assert.equal(one.widget.state, "not_found");
    one.widget.unload();
  });
});

describe("unload", () => {
  test("stops timers, aborts the request, closes the stream; no callback afterwards", async () => {
    const b = fakeBrowser();
    const { widget, seen } = makeWidget(b);
    widget.load();
    await flush();
    b.last().respond(200, dataBody(1, "a"));
    await b.clock.advance(0);
    const source = b.sources[0];
    source.open();
    source.emit("version", { widget_config_id: ID, version: 2 });
    await flush();
    const inflight = b.last();
    const counts = { data: seen.data.length, errors: seen.errors.length, states: seen.states.length };

    widget.unload();
    assert.equal(inflight.aborted, true, "the request in flight is aborted");
    assert.equal(source.closed, true, "the stream is closed");
    assert.equal(b.clock.timers.size, 0, "no timer remains");

    // Late events and answers reach nobody.
    source.onopen?.({});
    source.emit("version", { widget_config_id: ID, version: 3 });
    await b.clock.advance(10 * 60_000);
    assert.equal(b.fetches.length, 2, "no request after unload");
    assert.deepEqual(
      { data: seen.data.length, errors: seen.errors.length, states: seen.states.length },
      counts,
      "no callback after unload",
    );
  });

  test("an answer that arrives after unload is ignored (no AbortController)", async () => {
    const b = fakeBrowser({ eventSource: false });
    b.env.AbortController = null;
    const { widget, seen } = makeWidget(b);
    const loaded = widget.load();
    await flush();
    const call = b.last();
    widget.unload();
    await loaded; // resolves, does not hang
    call.respond(200, dataBody(1, "late"));
    await b.clock.advance(120_000);
    assert.deepEqual(seen.data, []);
    assert.equal(b.fetches.length, 1);
    assert.equal(b.clock.timers.size, 0);
  });

  test("unload from inside onData stops at once", async () => {
    const b = fakeBrowser();
    let widget;
    const seen = [];
    widget = new IntegratedWidget({
      widgetConfigId: ID,
      hubUrl: HUB,
      env: b.env,
      onData(data) {
        seen.push(data);
        widget.unload();
      },
      onStatus: (s) => seen.push(s),
    });
    widget.load();
    await flush();
    b.last().respond(200, dataBody(1, "x"));
    await b.clock.advance(10 * 60_000);
    assert.deepEqual(seen, ["x"]);
    assert.equal(b.clock.timers.size, 0);
    assert.equal(b.sources.length, 0);
    assert.equal(b.fetches.length, 1);
  });

  test("load() after unload starts again from the version held", async () => {
    const b = fakeBrowser({ eventSource: false });
    const { widget, seen } = makeWidget(b);
    widget.load();
    await flush();
    b.last().respond(200, dataBody(6, "x"));
    await flush();
    widget.unload();
    const loaded = widget.load();
    await flush();
    assert.equal(b.last().url.searchParams.get("version"), "6");
    assert.equal(b.last().url.searchParams.get("wait"), null, "the first request of a load answers at once");
    b.last().respond(304);
    await loaded;
    assert.equal(seen.data.length, 1);
    widget.unload();
  });
});
