/**
 * Millrace player client: keeps one widget's data current on a sign.
 *
 * Served by the hub at `GET /player.js`. Dependency-free ES module, written in ES2018 (no `?.`,
 * `??`, class fields or optional catch bindings) so that old kiosk browsers and smart TVs that
 * run ES modules at all can run it; `import.meta.url` is the one newer construct, and every
 * browser with ES modules has it.
 *
 * It implements the Castmill guide's `IntegratedWidget` semantics against the hub's player API
 * (DESIGN §5) and goes further:
 *
 * - Polls `GET {hub}/api/widget-configs/{id}/data?version=N`; a 304 means unchanged (no
 *   callback); a 200 with a new version calls `onData`.
 * - **Errors never blank the sign.** The last data is kept; `onError` is called once per error
 *   episode; requests back off (2 s doubling to 60 s, with jitter) while the hub is unreachable,
 *   and recover on their own. A 404 (unknown or disabled widget) or 401 (player token) retries
 *   slowly, once a minute, because an admin may fix it.
 * - **Push upgrade.** When `EventSource` exists, the widget follows the hub's Server-Sent-Events
 *   stream (`/api/events`) and fetches only when an event announces a version it does not hold,
 *   plus a slow safety poll every 5 minutes. If the stream errors or stalls (no event, not even
 *   the hub's 15-second `ping`, for 45 s) it is closed and the widget long-polls (`wait=30`)
 *   until a retried stream (with backoff) is healthy again. Without `EventSource`, it long-polls.
 * - Widgets on one page that talk to the same hub with the same token and player id share **one**
 *   stream (the hub multiplexes), so a page with several widgets does not run into the browser's
 *   six-connections-per-host limit.
 *
 * @module millrace/player
 */

/** Seconds a long poll asks the hub to hold the request. */
const LONG_POLL_WAIT_S = 30;
/** First delay after a failure; doubles per consecutive failure. */
const BACKOFF_BASE_MS = 2000;
/** The longest delay between retries while the hub is unreachable. */
const BACKOFF_CAP_MS = 60000;
/** Retry delay after a 404 or 401: an admin has to act first, so there is no hurry. */
const SLOW_RETRY_MS = 60000;
/** Share of a delay taken off at random, so that many signs do not retry in lockstep. */
const JITTER = 0.2;
/** Safety poll while the push stream is healthy. */
const SAFETY_POLL_MS = 5 * 60 * 1000;
/** Poll interval when the hub answers a long poll at once (it does not hold requests). */
const FALLBACK_POLL_MS = 15000;
/** No two polls start closer together than this. */
const MIN_POLL_GAP_MS = 1000;
/** How long a fresh widget waits for the push stream before it starts long polling. */
const PUSH_GRACE_MS = 2000;
/** A request that takes longer than this (plus the long-poll wait) is abandoned. */
const REQUEST_TIMEOUT_MS = 15000;
/** A push stream with no event (the hub pings every 15 s) for this long has stalled. */
const STALL_MS = 45000;
/** First delay before reopening a failed push stream; doubles per failure. */
const PUSH_RETRY_BASE_MS = 5000;
/** The longest delay before reopening a failed push stream. */
const PUSH_RETRY_CAP_MS = 120000;
/** Where the random player id is kept. */
const PLAYER_ID_KEY = "millrace.playerId";

const root =
  typeof globalThis !== "undefined"
    ? globalThis
    : typeof self !== "undefined"
      ? self
      : typeof window !== "undefined"
        ? window
        : {};

/**
 * The data's metadata, as the hub reports it.
 * @typedef {object} DataMeta
 * @property {number} version         the served version
 * @property {string|null} fetched_at when the hub last fetched or received the data (ISO 8601)
 * @property {"pending"|"ok"|"error"|"auth_failed"} status  the hub's health for this data
 * @property {boolean} stale          the hub keeps old data because its last update failed
 * @property {string|null} error      the hub's last error, in plain words
 */

/**
 * What `onError` receives as its second argument.
 * @typedef {object} ErrorMeta
 * @property {"unavailable"|"not_found"|"unauthorized"|"bad_request"|"error"} code  the kind of
 *   failure: `unavailable` covers network errors, timeouts, 5xx and unreadable answers
 * @property {number} status      the HTTP status, or 0 when no answer came (network, timeout)
 * @property {number} retryInMs   when the next attempt starts
 * @property {boolean} hasData    whether the widget still holds (and shows) earlier data
 */

/**
 * The connection state reported to `onStatus`:
 * `"connecting"` (before the first answer), `"live"` (up to date, push stream healthy),
 * `"polling"` (up to date, long polling), `"offline"` (the hub is unreachable or failing;
 * retrying with backoff), `"not_found"`, `"unauthorized"`, `"error"` (other failures).
 * @typedef {"connecting"|"live"|"polling"|"offline"|"not_found"|"unauthorized"|"error"} ConnectionState
 */

/**
 * Options of {@link IntegratedWidget}.
 * @typedef {object} IntegratedWidgetOptions
 * @property {string} widgetConfigId  the widget config to show
 * @property {string} [hubUrl]   the hub's player base URL, e.g. `http://192.168.1.20:7421`;
 *   default: where `player.js` was loaded from
 * @property {string} [token]    the player token, when the hub requires one
 * @property {string} [playerId] identifies this sign to the hub's admin; default: a random id kept
 *   in `localStorage` (so it survives reloads)
 * @property {(data: any, meta: DataMeta) => void} [onData]  a new version arrived (`data` is
 *   `null` while the hub has none yet)
 * @property {(error: Error & {code: string, status: number}, meta: ErrorMeta) => void} [onError]
 *   an error episode began; earlier data stays valid
 * @property {(state: ConnectionState) => void} [onStatus] the connection state changed
 * @property {object} [env]  replaces browser facilities, for tests: `fetch`, `EventSource` (`null`
 *   disables push), `AbortController`, `setTimeout`, `clearTimeout`, `now`, `random`, `storage`
 */

/**
 * One widget's live data from a Millrace hub.
 *
 * ```js
 * const widget = new IntegratedWidget({
 *   widgetConfigId: "3f2a…",
 *   onData(data, meta) { render(data, meta.stale); },
 *   onError(error) { showBadge(error.message); },
 * });
 * await widget.load();
 * // … later
 * widget.unload();
 * ```
 *
 * After `unload()` no timer, request or stream of the widget remains, and no callback runs.
 * `load()` may be called again afterwards.
 */
export class IntegratedWidget {
  /** @param {IntegratedWidgetOptions} options */
  constructor(options) {
    if (!options || options.widgetConfigId === undefined || options.widgetConfigId === null || options.widgetConfigId === "") {
      throw new TypeError("IntegratedWidget: widgetConfigId is required");
    }
    const env = options.env || {};
    /** @private */
    this._env = {
      fetch: env.fetch || (typeof root.fetch === "function" ? root.fetch.bind(root) : null),
      EventSource: "EventSource" in env ? env.EventSource : root.EventSource || null,
      AbortController: "AbortController" in env ? env.AbortController : root.AbortController || null,
      setTimeout: env.setTimeout || root.setTimeout.bind(root),
      clearTimeout: env.clearTimeout || root.clearTimeout.bind(root),
      now: env.now || Date.now,
      random: env.random || Math.random,
      storage: "storage" in env ? env.storage : defaultStorage(),
    };
    if (!this._env.fetch) throw new TypeError("IntegratedWidget: this browser has no fetch()");

    /** The widget config shown. @type {string} */
    this.widgetConfigId = String(options.widgetConfigId);
    /** The hub's base URL, without a trailing slash. @type {string} */
    this.hubUrl = stripSlash(options.hubUrl || defaultHubUrl());
    if (!this.hubUrl) {
      throw new TypeError("IntegratedWidget: hubUrl is required when player.js is not loaded from the hub");
    }
    /** The player token, if any. @type {string|null} */
    this.token = options.token || null;
    /** This sign's id, sent as `X-Player-Id`. @type {string} */
    this.playerId = String(options.playerId || persistentPlayerId(this._env));

    /** @private */ this._onData = options.onData || null;
    /** @private */ this._onError = options.onError || null;
    /** @private */ this._onStatus = options.onStatus || null;

    /** @private */ this._version = null;
    /** @private */ this._data = null;
    /** @private */ this._meta = null;
    /** @private */ this._state = "connecting";
    /** @private */ this._running = false;
    /** @private */ this._loadPromise = null;
    /** @private */ this._resolveLoad = null;
    /** @private */ this._timer = null;
    /** @private */ this._inflight = null;
    /** @private */ this._seq = 0;
    /** @private */ this._refreshAfter = false;
    /** @private */ this._announced = null;
    /** @private */ this._failures = 0;
    /** @private */ this._errorCode = null;
    /** @private */ this._channel = null;
    /** @private */ this._pushUp = false;
    /** @private */ this._listener = null;
  }

  /** The version held, or `null` before the first data. @type {number|null} */
  get version() {
    return this._version;
  }

  /** The data held (`null` before the first data); kept through errors. */
  get data() {
    return this._data;
  }

  /** The metadata of the data held, or `null`. @type {DataMeta|null} */
  get meta() {
    return this._meta;
  }

  /** The current connection state. @type {ConnectionState} */
  get state() {
    return this._state;
  }

  /**
   * Starts following the widget. Resolves after the hub's first answer, whether data or an error
   * (it never rejects: errors go to `onError`, and retries continue). Calling it again while
   * running returns the same promise.
   * @returns {Promise<void>}
   */
  load() {
    if (this._running) return this._loadPromise;
    this._running = true;
    this._failures = 0;
    this._errorCode = null;
    this._refreshAfter = false;
    this._announced = null;
    this._pushUp = false;
    this._setState("connecting");
    const self = this;
    this._loadPromise = new Promise(function (resolve) {
      self._resolveLoad = resolve;
    });
    this._request(true);
    return this._loadPromise;
  }

  /**
   * Stops everything: timers, the request in flight, the push stream (or this widget's share of
   * it). No callback runs afterwards. A pending `load()` promise resolves.
   */
  unload() {
    if (!this._running) return;
    this._running = false;
    this._clearTimer();
    this._abortInflight();
    this._leaveChannel();
    this._pushUp = false;
    this._settleLoad();
  }

  // ----- requests -----

  /**
   * @private Starts a request now (or right after the one in flight).
   * @param {boolean} [noWait] never long poll (the first request of a `load()` answers at once)
   */
  _request(noWait) {
    if (!this._running) return;
    this._clearTimer();
    if (this._inflight) {
      this._refreshAfter = true;
      return;
    }
    const env = this._env;
    // Long poll only when push is not carrying changes and there is a version to compare with.
    const longPoll = !noWait && !this._pushUp && this._version !== null;
    const query = [];
    if (this._version !== null) query.push("version=" + encodeURIComponent(String(this._version)));
    if (longPoll) query.push("wait=" + LONG_POLL_WAIT_S);
    const url =
      this.hubUrl +
      "/api/widget-configs/" +
      encodeURIComponent(this.widgetConfigId) +
      "/data" +
      (query.length ? "?" + query.join("&") : "");
    const headers = { Accept: "application/json", "X-Player-Id": this.playerId };
    if (this.token) headers.Authorization = "Bearer " + this.token;

    const seq = ++this._seq;
    const controller = env.AbortController ? new env.AbortController() : null;
    const request = { seq: seq, controller: controller, longPoll: longPoll, startedAt: env.now(), timer: null, timedOut: false };
    this._inflight = request;
    const self = this;
    request.timer = env.setTimeout(function () {
      request.timer = null;
      request.timedOut = true;
      if (controller) controller.abort();
      self._finish(seq, { error: failure("unavailable", 0, "The hub did not answer in time.") });
    }, REQUEST_TIMEOUT_MS + (longPoll ? LONG_POLL_WAIT_S * 1000 : 0));

    const init = { method: "GET", headers: headers, cache: "no-store" };
    if (controller) init.signal = controller.signal;
    let answer;
    try {
      answer = Promise.resolve(env.fetch(url, init));
    } catch (e) {
      answer = Promise.reject(e);
    }
    answer
      .then(function (res) {
        return readAnswer(res, self.widgetConfigId);
      })
      .then(
        function (outcome) {
          self._finish(seq, outcome);
        },
        function (e) {
          self._finish(seq, { error: failure("unavailable", 0, "The hub cannot be reached (" + describe(e) + ").") });
        },
      );
  }

  /** @private Handles the outcome of request `seq`; outcomes of abandoned requests are dropped. */
  _finish(seq, outcome) {
    const request = this._inflight;
    if (!this._running || !request || request.seq !== seq) return;
    this._inflight = null;
    if (request.timer !== null) this._env.clearTimeout(request.timer);
    this._settleLoad();
    if (outcome.error) this._failed(outcome.error);
    else this._succeeded(outcome, request);
  }

  /** @private */
  _succeeded(outcome, request) {
    const recovered = this._errorCode !== null;
    this._failures = 0;
    this._errorCode = null;
    if (outcome.body && outcome.body.version !== this._version) {
      const body = outcome.body;
      this._version = body.version;
      this._data = body.data === undefined ? null : body.data;
      this._meta = {
        version: body.version,
        fetched_at: body.fetched_at === undefined ? null : body.fetched_at,
        status: body.status || "ok",
        stale: body.stale === true,
        error: body.error === undefined ? null : body.error,
      };
      this._call(this._onData, this._data, this._meta);
      if (!this._running) return; // unloaded from inside onData
    }
    this._joinChannel();
    if (recovered && this._channel) this._channel.hint();
    this._setState(this._pushUp ? "live" : "polling");

    const elapsed = this._env.now() - request.startedAt;
    if (this._refreshAfter) {
      this._refreshAfter = false;
      if (this._announced !== null && this._announced !== this._version) return this._request();
    }
    if (this._pushUp) return this._schedule(SAFETY_POLL_MS);
    if (!request.longPoll) {
      // First answer: give a push stream a moment to come up before long polling.
      return this._schedule(this._channel ? PUSH_GRACE_MS : 0);
    }
    if (!outcome.body && elapsed < (LONG_POLL_WAIT_S * 1000) / 2) {
      // A 304 long before the wait ran out: this hub does not hold requests. Poll instead.
      return this._schedule(FALLBACK_POLL_MS);
    }
    this._schedule(Math.max(0, MIN_POLL_GAP_MS - elapsed));
  }

  /** @private */
  _failed(error) {
    let delay;
    if (error.code === "not_found" || error.code === "unauthorized") {
      delay = jittered(SLOW_RETRY_MS, this._env.random);
      // The hub refuses a stream that names this widget, and would refuse it for the others too.
      this._leaveChannel();
    } else {
      this._failures += 1;
      delay = jittered(Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * Math.pow(2, this._failures - 1)), this._env.random);
      // A malformed version is ours to drop.
      if (error.code === "bad_request") this._version = null;
    }
    this._refreshAfter = false;
    const episodeStarts = this._errorCode !== error.code;
    this._errorCode = error.code;
    this._setState(stateOf(error.code));
    this._schedule(delay);
    if (episodeStarts) {
      this._call(this._onError, error, {
        code: error.code,
        status: error.status,
        retryInMs: delay,
        hasData: this._version !== null,
      });
    }
  }

  /** @private */
  _schedule(ms) {
    this._clearTimer();
    const self = this;
    this._timer = this._env.setTimeout(function () {
      self._timer = null;
      self._request();
    }, ms);
  }

  /** @private */
  _clearTimer() {
    if (this._timer !== null) {
      this._env.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  /** @private Abandons the request in flight without treating it as a failure. */
  _abortInflight() {
    const request = this._inflight;
    if (!request) return;
    this._inflight = null;
    if (request.timer !== null) this._env.clearTimeout(request.timer);
    if (request.controller) request.controller.abort();
  }

  /** @private */
  _settleLoad() {
    if (this._resolveLoad) {
      const resolve = this._resolveLoad;
      this._resolveLoad = null;
      resolve();
    }
  }

  /** @private */
  _setState(state) {
    if (this._state === state) return;
    this._state = state;
    this._call(this._onStatus, state);
  }

  /** @private Runs a callback; one that throws does not stop the widget. */
  _call(callback, a, b) {
    if (!callback || !this._running) return;
    try {
      callback.call(this, a, b);
    } catch (e) {
      if (root.console && root.console.error) root.console.error("IntegratedWidget callback failed:", e);
    }
  }

  // ----- push -----

  /** @private Joins the shared push stream (once the hub has answered for this widget). */
  _joinChannel() {
    if (this._channel || !this._env.EventSource) return;
    const self = this;
    this._listener = {
      widgetConfigId: this.widgetConfigId,
      up: function () {
        self._pushChanged(true);
      },
      down: function () {
        self._pushChanged(false);
      },
      version: function (version) {
        self._versionAnnounced(version);
      },
    };
    this._channel = EventChannel.join(this, this._listener);
  }

  /** @private */
  _leaveChannel() {
    if (!this._channel) return;
    this._channel.leave(this._listener);
    this._channel = null;
    this._listener = null;
    this._pushUp = false;
  }

  /** @private The push stream came up or went down. */
  _pushChanged(up) {
    if (!this._running || this._pushUp === up) return;
    this._pushUp = up;
    if (up) {
      // Changes now arrive as events: a long poll in flight is redundant.
      if (this._inflight && this._inflight.longPoll) this._abortInflight();
      if (this._errorCode === null) {
        this._setState("live");
        if (!this._inflight) this._schedule(SAFETY_POLL_MS);
      }
    } else {
      if (this._errorCode === null) {
        this._setState("polling");
        // Events may have been missed: long poll from now on, starting at once.
        if (!this._inflight) this._request();
      }
      // During an error episode the backoff timer stays; the next request will long poll.
    }
  }

  /** @private An event announced the served version. */
  _versionAnnounced(version) {
    if (!this._running) return;
    this._announced = version;
    if (version !== this._version) this._request();
  }
}

/**
 * One Server-Sent-Events stream to a hub, shared by the widgets of a page that use the same hub,
 * token and player id. It reopens (debounced) when widgets join or leave, detects stalls, and
 * retries with backoff after an error.
 * @private
 */
class EventChannel {
  /** @returns {EventChannel} the channel the widget joined */
  static join(widget, listener) {
    const Ctor = widget._env.EventSource;
    let byKey = CHANNELS.get(Ctor);
    if (!byKey) {
      byKey = new Map();
      CHANNELS.set(Ctor, byKey);
    }
    const key = widget.hubUrl + "\n" + (widget.token || "") + "\n" + widget.playerId;
    let channel = byKey.get(key);
    if (!channel) {
      channel = new EventChannel(widget, key, byKey);
      byKey.set(key, channel);
    }
    channel.listeners.push(listener);
    channel.reopenSoon();
    return channel;
  }

  constructor(widget, key, registry) {
    this.env = widget._env;
    this.hubUrl = widget.hubUrl;
    this.token = widget.token;
    this.playerId = widget.playerId;
    this.key = key;
    this.registry = registry;
    this.listeners = [];
    this.source = null;
    this.ids = "";
    this.healthy = false;
    this.openedAt = 0;
    this.lastEventAt = 0;
    this.failures = 0;
    this.reopenTimer = null;
    this.retryTimer = null;
    this.watchdog = null;
  }

  leave(listener) {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
    if (this.listeners.length === 0) {
      this.close();
      this.clear("reopenTimer");
      this.clear("retryTimer");
      if (this.registry.get(this.key) === this) this.registry.delete(this.key);
    } else {
      this.reopenSoon();
    }
  }

  /** A widget's requests recovered after an error episode: the hub is back, retry now. */
  hint() {
    if (this.retryTimer !== null) {
      this.clear("retryTimer");
      this.open();
    }
  }

  /** Reopens with the current set of widgets, once the joins and leaves of this turn are done. */
  reopenSoon() {
    if (this.reopenTimer !== null || this.retryTimer !== null) return;
    const self = this;
    this.reopenTimer = this.env.setTimeout(function () {
      self.reopenTimer = null;
      if (self.retryTimer !== null) return;
      const ids = self.wantedIds();
      if (self.source && ids === self.ids) {
        // Same widgets: newcomers learn the stream is up, and get the current versions by fetching.
        if (self.healthy) self.each("up");
        return;
      }
      self.open();
    }, 0);
  }

  wantedIds() {
    const seen = [];
    for (let i = 0; i < this.listeners.length; i++) {
      const id = this.listeners[i].widgetConfigId;
      if (seen.indexOf(id) < 0) seen.push(id);
    }
    return seen.join("\n");
  }

  open() {
    this.close();
    const ids = this.wantedIds();
    if (!ids) return;
    this.ids = ids;
    let url = this.hubUrl + "/api/events?";
    const list = ids.split("\n");
    for (let i = 0; i < list.length; i++) url += "widget_config_id=" + encodeURIComponent(list[i]) + "&";
    url += "player=" + encodeURIComponent(this.playerId);
    if (this.token) url += "&token=" + encodeURIComponent(this.token);

    let source;
    try {
      source = new this.env.EventSource(url);
    } catch (e) {
      this.failed();
      return;
    }
    this.source = source;
    this.openedAt = 0;
    this.lastEventAt = this.env.now();
    const self = this;
    const alive = function () {
      return self.source === source;
    };
    source.onopen = function () {
      if (!alive()) return;
      self.openedAt = self.lastEventAt = self.env.now();
      self.healthy = true;
      // Also after a reopen for a changed set of widgets, so newcomers learn it (repeats are ignored).
      self.each("up");
    };
    const onEvent = function (event) {
      if (!alive()) return;
      self.lastEventAt = self.env.now();
      let payload = null;
      try {
        payload = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!payload || payload.widget_config_id === undefined || typeof payload.version !== "number") return;
      const id = String(payload.widget_config_id);
      const snapshot = self.listeners.slice();
      for (let i = 0; i < snapshot.length; i++) {
        if (snapshot[i].widgetConfigId === id) snapshot[i].version(payload.version);
      }
    };
    source.addEventListener("version", onEvent);
    source.onmessage = onEvent; // events without a type, should a hub send them
    source.addEventListener("ping", function () {
      if (alive()) self.lastEventAt = self.env.now();
    });
    source.onerror = function () {
      if (alive()) self.failed();
    };
    this.arm(STALL_MS);
  }

  /** The stream errored or stalled: close it, tell the widgets, and retry with backoff. */
  failed() {
    // A stream that stayed healthy for a while resets the backoff: this is a new outage.
    const lasted = this.openedAt ? this.lastEventAt - this.openedAt : 0;
    if (lasted >= STALL_MS) this.failures = 0;
    this.close();
    if (this.healthy) {
      this.healthy = false;
      this.each("down");
    }
    this.failures += 1;
    const delay = jittered(Math.min(PUSH_RETRY_CAP_MS, PUSH_RETRY_BASE_MS * Math.pow(2, this.failures - 1)), this.env.random);
    this.clear("retryTimer");
    const self = this;
    this.retryTimer = this.env.setTimeout(function () {
      self.retryTimer = null;
      self.open();
    }, delay);
  }

  /** Checks for a stall when it could first have happened, then re-arms. */
  arm(ms) {
    this.clear("watchdog");
    const self = this;
    this.watchdog = this.env.setTimeout(function () {
      self.watchdog = null;
      if (!self.source) return;
      const quiet = self.env.now() - self.lastEventAt;
      if (quiet >= STALL_MS) self.failed();
      else self.arm(STALL_MS - quiet);
    }, ms);
  }

  close() {
    this.clear("watchdog");
    if (this.source) {
      const source = this.source;
      this.source = null;
      source.onopen = source.onmessage = source.onerror = null;
      source.close();
    }
  }

  clear(name) {
    if (this[name] !== null) {
      this.env.clearTimeout(this[name]);
      this[name] = null;
    }
  }

  each(method) {
    const snapshot = this.listeners.slice();
    for (let i = 0; i < snapshot.length; i++) snapshot[i][method]();
  }
}

/** Channels by EventSource constructor, then by hub, token and player id. */
const CHANNELS = new Map();

/** Turns a fetch response into `{body}` (200), `{}` (304) or `{error}`. */
function readAnswer(res, widgetConfigId) {
  const status = res.status;
  if (status === 304) return {};
  if (status === 200) {
    return Promise.resolve(res.json()).then(
      function (body) {
        if (!body || typeof body !== "object" || typeof body.version !== "number") {
          return { error: failure("unavailable", status, "The hub sent an answer this player does not understand.") };
        }
        return { body: body };
      },
      function () {
        return { error: failure("unavailable", status, "The hub sent an answer this player does not understand.") };
      },
    );
  }
  if (status === 404) {
    return {
      error: failure(
        "not_found",
        status,
        'The hub has no active widget "' + widgetConfigId + '": it may have been deleted or disabled. Retrying every minute.',
      ),
    };
  }
  if (status === 401 || status === 403) {
    return {
      error: failure("unauthorized", status, "The hub requires a valid player token (add ?token=… to the address)."),
    };
  }
  if (status === 400) return { error: failure("bad_request", status, "The hub rejected the request (HTTP 400).") };
  if (status >= 500 || status === 429 || status === 408) {
    return { error: failure("unavailable", status, "The hub is having trouble (HTTP " + status + ").") };
  }
  return { error: failure("error", status, "Unexpected answer from the hub (HTTP " + status + ").") };
}

function failure(code, status, message) {
  const error = new Error(message);
  error.name = "MillraceError";
  error.code = code;
  error.status = status;
  return error;
}

function stateOf(code) {
  if (code === "unavailable") return "offline";
  if (code === "not_found" || code === "unauthorized") return code;
  return "error";
}

function describe(e) {
  if (e && e.name === "AbortError") return "request aborted";
  return (e && e.message) || String(e);
}

/** `ms` less up to 20 % at random. */
function jittered(ms, random) {
  return Math.round(ms * (1 - JITTER * random()));
}

function stripSlash(url) {
  return String(url).replace(/\/+$/, "");
}

/** The directory player.js was loaded from (the hub's origin when served at `/player.js`). */
function defaultHubUrl() {
  try {
    const url = new URL(".", import.meta.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") return "";
    return url.href;
  } catch (e) {
    return "";
  }
}

function defaultStorage() {
  try {
    return root.localStorage || null;
  } catch (e) {
    return null; // storage blocked (privacy settings, sandboxed frames)
  }
}

/** The id kept in storage, or a new random one (kept if storage works). */
function persistentPlayerId(env) {
  const storage = env.storage;
  try {
    const kept = storage && storage.getItem(PLAYER_ID_KEY);
    if (kept) return kept;
  } catch (e) {
    // fall through to a fresh id
  }
  const id = "sign-" + randomHex(8, env.random);
  try {
    if (storage) storage.setItem(PLAYER_ID_KEY, id);
  } catch (e) {
    // not persisted: a new id after a reload, which the hub tolerates
  }
  return id;
}

function randomHex(bytes, random) {
  const out = [];
  const cryptoObj = root.crypto;
  if (cryptoObj && typeof cryptoObj.getRandomValues === "function") {
    const buf = new Uint8Array(bytes);
    cryptoObj.getRandomValues(buf);
    for (let i = 0; i < buf.length; i++) out.push((buf[i] + 256).toString(16).slice(1));
  } else {
    for (let j = 0; j < bytes; j++) out.push((Math.floor(random() * 256) + 256).toString(16).slice(1));
  }
  return out.join("");
}
