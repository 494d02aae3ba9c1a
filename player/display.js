/**
 * The full-screen sign page at `/display/{widget_config_id}` (served as
 * `/display/assets/display.js`). It reads the widget config id and the template from the
 * `<html>` attributes the hub fills in, follows the widget with `IntegratedWidget`, and renders
 * the DESIGN §11 data shapes with one of four templates: `weather`, `rss`, `social`, `generic`.
 *
 * Rules: data is only ever written with `textContent` (never `innerHTML`); images load only from
 * absolute `http(s)` URLs; errors never blank the screen (the last data stays, with a small badge).
 *
 * Page URL parameters: `token` (the player token), `player` (a name for this sign in the hub's
 * player list), `theme` (`dark`, the default; `light`; or `auto` to follow the system), `lang`
 * (`en` or `es`; default: the browser's language).
 *
 * ES2018, like player.js, for old kiosk browsers.
 */

import { IntegratedWidget } from "/player.js";

const TEMPLATES = ["weather", "rss", "social", "generic"];
/** How long each headline is featured. */
const ROTATE_MS = 10000;
/** How often relative times ("5 min ago") are refreshed. */
const TICK_MS = 30000;
/** Top-level fields the generic template shows at most. */
const MAX_FIELDS = 24;
/** Longest nested value shown as JSON, in characters. */
const MAX_JSON = 160;

const STRINGS = {
  en: {
    loading: "Loading…",
    waiting: "Waiting for the first data…",
    retrying: "Retrying automatically.",
    notFoundTitle: "This widget is not available",
    notFoundHint: "It may have been deleted or disabled on the Millrace hub.",
    unauthorizedTitle: "This sign needs a player token",
    unauthorizedHint: "Add ?token=… with the hub's player token to this page's address.",
    offlineTitle: "Can't reach the Millrace hub",
    offlineHint: "Check the network connection of this sign and of the hub.",
    errorTitle: "Something went wrong",
    upstreamTitle: "No data yet",
    upstreamHint: "The hub could not get this widget's data.",
    badgeOffline: "Offline",
    badgeStale: "Stale",
    badgeUnavailable: "Widget unavailable",
    badgeToken: "Player token needed",
    updated: "updated {time}",
    justNow: "just now",
    minutesAgo: "{n} min ago",
    hoursAgo: "{n} h ago",
    daysAgo: "{n} d ago",
    feelsLike: "Feels like {t}",
    humidity: "Humidity",
    wind: "Wind",
    noHeadlines: "No headlines yet",
    noPosts: "No posts yet",
    empty: "No data",
  },
  es: {
    loading: "Cargando…",
    waiting: "Esperando los primeros datos…",
    retrying: "Se reintenta automáticamente.",
    notFoundTitle: "Este widget no está disponible",
    notFoundHint: "Puede que se haya eliminado o desactivado en el hub de Millrace.",
    unauthorizedTitle: "Esta pantalla necesita un token de reproductor",
    unauthorizedHint: "Añade ?token=… con el token de reproductor del hub a la dirección de esta página.",
    offlineTitle: "No se puede conectar con el hub de Millrace",
    offlineHint: "Comprueba la conexión de red de esta pantalla y del hub.",
    errorTitle: "Algo ha fallado",
    upstreamTitle: "Aún no hay datos",
    upstreamHint: "El hub no ha podido obtener los datos de este widget.",
    badgeOffline: "Sin conexión",
    badgeStale: "Desactualizado",
    badgeUnavailable: "Widget no disponible",
    badgeToken: "Falta el token de reproductor",
    updated: "actualizado {time}",
    justNow: "ahora mismo",
    minutesAgo: "hace {n} min",
    hoursAgo: "hace {n} h",
    daysAgo: "hace {n} d",
    feelsLike: "Sensación {t}",
    humidity: "Humedad",
    wind: "Viento",
    noHeadlines: "Aún no hay titulares",
    noPosts: "Aún no hay publicaciones",
    empty: "Sin datos",
  },
};

const html = document.documentElement;
const params = new URLSearchParams(location.search);
const lang = pickLanguage(params.get("lang"));
const strings = STRINGS[lang];
const stage = document.getElementById("stage");
const badge = document.getElementById("badge");

html.setAttribute("lang", lang);
html.setAttribute("data-theme", pickTheme(params.get("theme")));

const widgetConfigId = filled(html.getAttribute("data-widget")) || idFromPath();
const templateName = pickTemplate(filled(html.getAttribute("data-template")));
html.setAttribute("data-template", templateName);

/** What the page knows; the screen is drawn from it. */
const page = {
  /** `undefined` until the first answer; then the data (possibly `null`). */
  data: undefined,
  meta: null,
  connection: "connecting",
  error: null,
  /** "loading" | "error" | "content" — what the stage shows now. */
  mode: "loading",
  view: null,
  /** The hub said the widget does not exist (so it may have picked the wrong template). */
  wasNotFound: false,
};

const t = (key, vars) => format(strings[key] || STRINGS.en[key] || key, vars);

start();

function start() {
  showLoading(t("loading"));
  if (!widgetConfigId) {
    showError("not_found", "No widget config id in this page's address.");
    return;
  }
  const widget = new IntegratedWidget({
    widgetConfigId: widgetConfigId,
    token: params.get("token") || undefined,
    playerId: params.get("player") || undefined,
    onData: onData,
    onError: onError,
    onStatus: onStatus,
  });
  widget.load();
  setInterval(tick, TICK_MS);
  // A rotated screen or resized window re-fits the text.
  let resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      if (page.view && page.view.refit) page.view.refit();
    }, 200);
  });
  // A kiosk that navigates away (or reloads) leaves no request or stream behind; a page restored
  // from the back/forward cache starts again.
  window.addEventListener("pagehide", function () {
    widget.unload();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) widget.load();
  });
}

// ----- state → screen -----

function onData(data, meta) {
  if (page.wasNotFound) {
    // The widget is back (or new): reload, so that the hub picks its template afresh.
    location.reload();
    return;
  }
  page.data = data;
  page.meta = meta;
  page.error = null;
  html.setAttribute("data-version", String(meta.version));
  if (data === null || data === undefined) {
    if (meta.status === "pending") showLoading(t("waiting"));
    else showError("upstream", meta.error || "");
  } else {
    showContent(data, meta);
  }
  updateBadge();
}

function onError(error) {
  page.error = error;
  if (error.code === "not_found") page.wasNotFound = true;
  if (page.data === undefined || page.data === null) {
    // Nothing to keep showing: explain, calmly.
    showError(error.code, error.message);
  }
  updateBadge();
}

function onStatus(state) {
  page.connection = state;
  html.setAttribute("data-connection", state);
  if ((state === "live" || state === "polling") && page.mode === "error" && page.data === null && page.meta) {
    // Back in touch with the hub, which has no data yet: show why again.
    onData(page.data, page.meta);
    return;
  }
  updateBadge();
}

function showLoading(text) {
  stopView();
  page.mode = "loading";
  const box = el("div", "state");
  box.setAttribute("data-state", "loading");
  box.setAttribute("data-testid", "loading");
  const spinner = el("div", "spinner");
  spinner.setAttribute("aria-hidden", "true");
  box.appendChild(spinner);
  box.appendChild(el("p", "state-title", text));
  replaceStage(box);
}

function showError(code, detail) {
  stopView();
  page.mode = "error";
  const titles = {
    not_found: ["notFoundTitle", "notFoundHint"],
    unauthorized: ["unauthorizedTitle", "unauthorizedHint"],
    unavailable: ["offlineTitle", "offlineHint"],
    upstream: ["upstreamTitle", "upstreamHint"],
  };
  const pair = titles[code] || ["errorTitle", "retrying"];
  const box = el("div", "state state-error");
  box.setAttribute("data-state", "error");
  box.setAttribute("data-testid", "error-panel");
  box.setAttribute("data-code", code || "error");
  const icon = el("div", "state-icon", "!");
  icon.setAttribute("aria-hidden", "true");
  box.appendChild(icon);
  box.appendChild(el("p", "state-title", t(pair[0])));
  box.appendChild(el("p", "state-hint", t(pair[1]) + (pair[1] === "retrying" ? "" : " " + t("retrying"))));
  // The hub's own reason is worth showing; the player's messages only repeat the hint.
  if (detail && (code === "upstream" || !titles[code])) box.appendChild(el("p", "state-detail", detail));
  replaceStage(box);
}

function showContent(data, meta) {
  if (page.mode === "content" && page.view && page.view.update) {
    page.view.update(data, meta);
    return;
  }
  stopView();
  page.mode = "content";
  const factory = { weather: weatherView, rss: rssView, social: socialView, generic: genericView }[templateName];
  page.view = factory();
  replaceStage(page.view.root);
  page.view.update(data, meta);
}

function stopView() {
  if (page.view && page.view.stop) page.view.stop();
  page.view = null;
}

function replaceStage(node) {
  while (stage.firstChild) stage.removeChild(stage.firstChild);
  stage.appendChild(node);
}

/** The small corner badge: shown while the data on screen may be out of date. */
function updateBadge() {
  const hasData = page.data !== undefined && page.data !== null && page.mode === "content";
  let reason = null;
  if (hasData) {
    const c = page.connection;
    if (c === "offline" || c === "error") reason = "offline";
    else if (c === "not_found") reason = "unavailable";
    else if (c === "unauthorized") reason = "token";
    else if (page.meta && (page.meta.stale || page.meta.status === "error" || page.meta.status === "auth_failed")) {
      reason = "stale";
    }
  }
  badge.title = "";
  if (!reason) {
    badge.hidden = true;
    badge.removeAttribute("data-reason");
    badge.textContent = "";
    return;
  }
  const label = { offline: "badgeOffline", unavailable: "badgeUnavailable", token: "badgeToken", stale: "badgeStale" }[reason];
  badge.textContent = "";
  badge.appendChild(el("span", "badge-dot"));
  badge.appendChild(el("span", "badge-label", t(label)));
  const when = page.meta && page.meta.fetched_at;
  if (when && relative(when)) {
    const time = el("span", "badge-time");
    bindTime(time, when, "updated");
    badge.appendChild(time);
  }
  if (page.meta && page.meta.error && reason === "stale") badge.title = page.meta.error;
  badge.setAttribute("data-reason", reason);
  badge.hidden = false;
}

/** Refreshes every relative time on screen. */
function tick() {
  const nodes = document.querySelectorAll("[data-time]");
  for (let i = 0; i < nodes.length; i++) renderTime(nodes[i]);
}

// ----- templates -----
// Each returns {root, update(data, meta), stop()}. `update` receives every new version.

function weatherView() {
  const root = el("section", "tpl tpl-weather");
  root.setAttribute("data-testid", "template-weather");
  const main = el("div", "weather-main");
  const icon = el("img", "weather-icon");
  icon.alt = "";
  const temp = el("div", "weather-temp");
  temp.setAttribute("data-testid", "weather-temperature");
  main.appendChild(icon);
  main.appendChild(temp);
  const condition = el("div", "weather-condition");
  const description = el("div", "weather-description");
  const location = el("div", "weather-location");
  location.setAttribute("data-testid", "weather-location");
  const facts = el("div", "weather-facts");
  root.appendChild(location);
  root.appendChild(main);
  root.appendChild(condition);
  root.appendChild(description);
  root.appendChild(facts);

  return {
    root: root,
    update: function (data) {
      if (!isObject(data)) return fallbackToGeneric(data);
      const units = unitsOf(data.units);
      setImage(icon, data.icon);
      temp.textContent = temperature(data.temperature, units);
      condition.textContent = text(data.condition);
      const desc = text(data.description);
      const feels = typeof data.feels_like === "number" ? t("feelsLike", { t: temperature(data.feels_like, units) }) : "";
      // Skip a description that only repeats the condition in other case.
      const parts = [];
      if (desc && desc.toLowerCase() !== text(data.condition).toLowerCase()) parts.push(capitalize(desc));
      if (feels) parts.push(feels);
      description.textContent = parts.join(" · ");
      location.textContent = text(data.location);
      facts.textContent = "";
      if (typeof data.humidity === "number") facts.appendChild(fact(t("humidity"), formatNumber(data.humidity, 0) + " %"));
      if (typeof data.wind_speed === "number") {
        facts.appendChild(fact(t("wind"), formatNumber(data.wind_speed, 1) + " " + units.wind));
      }
    },
  };
}

function fact(label, value) {
  const box = el("div", "fact");
  box.appendChild(el("span", "fact-label", label));
  box.appendChild(el("span", "fact-value", value));
  return box;
}

function unitsOf(units) {
  if (units === "imperial") return { temp: "°F", wind: "mph" };
  if (units === "standard") return { temp: " K", wind: "m/s" };
  return { temp: "°C", wind: "m/s" };
}

function temperature(value, units) {
  if (typeof value !== "number" || !isFinite(value)) return "–";
  return formatNumber(Math.round(value), 0) + units.temp;
}

function rssView() {
  const root = el("section", "tpl tpl-rss");
  root.setAttribute("data-testid", "template-rss");
  const header = el("header", "rss-header");
  const title = el("h1", "rss-feed-title");
  title.setAttribute("data-testid", "rss-feed-title");
  const counter = el("span", "rss-counter");
  header.appendChild(title);
  header.appendChild(counter);
  const featured = el("article", "rss-featured");
  featured.setAttribute("data-testid", "rss-featured");
  const progress = el("div", "rss-progress");
  const list = el("ol", "rss-list");
  list.setAttribute("data-testid", "rss-list");
  root.appendChild(header);
  root.appendChild(featured);
  root.appendChild(progress);
  root.appendChild(list);

  let items = [];
  let index = 0;
  let timer = null;

  function draw() {
    featured.textContent = "";
    list.textContent = "";
    if (!items.length) {
      counter.textContent = "";
      progress.hidden = true;
      const empty = el("div", "empty", t("noHeadlines"));
      empty.setAttribute("data-testid", "rss-empty");
      featured.appendChild(empty);
      return;
    }
    const item = items[index];
    counter.textContent = items.length > 1 ? index + 1 + " / " + items.length : "";
    const image = safeUrl(item.image);
    featured.className = "rss-featured" + (image ? " has-image" : "");
    if (image) {
      const img = el("img", "rss-image");
      img.alt = "";
      featured.appendChild(img);
    }
    const body = el("div", "rss-body");
    const headline = text(item.title) || text(item.summary);
    const heading = el("h2", "rss-title " + titleSize(headline.length), headline);
    heading.setAttribute("data-testid", "rss-item-title");
    body.appendChild(heading);
    const summary = text(item.summary);
    const summaryNode = summary && summary !== headline ? el("p", "rss-summary", summary) : null;
    if (summaryNode) body.appendChild(summaryNode);
    body.appendChild(byline(item.author, item.published));
    featured.appendChild(body);
    fit(body, heading, summaryNode);
    if (image) {
      // The image takes room from the text once it shows: fit again then.
      setImage(featured.firstChild, image, function () {
        fit(body, heading, summaryNode);
      });
    }
    progress.textContent = "";
    progress.hidden = items.length < 2;
    // A fresh bar restarts its CSS animation.
    if (items.length > 1) progress.appendChild(el("div", "rss-progress-bar"));
    // Up next: the following headlines, in order.
    const count = Math.min(items.length - 1, 4);
    for (let k = 1; k <= count; k++) {
      const next = items[(index + k) % items.length];
      const li = el("li", "rss-next");
      const nextTitle = el("span", "rss-next-title", text(next.title) || text(next.summary));
      nextTitle.setAttribute("data-testid", "rss-next-title");
      li.appendChild(nextTitle);
      if (relative(next.published)) {
        const time = el("span", "rss-next-time");
        bindTime(time, next.published);
        li.appendChild(time);
      }
      list.appendChild(li);
    }
  }

  function schedule() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (items.length > 1) {
      timer = setTimeout(function () {
        index = (index + 1) % items.length;
        draw();
        schedule();
      }, ROTATE_MS);
    }
  }

  return {
    root: root,
    update: function (data) {
      if (!isObject(data) || (data.items !== undefined && !Array.isArray(data.items))) return fallbackToGeneric(data);
      const before = items;
      const shown = items[index];
      items = (data.items || []).filter(isObject);
      title.textContent = text(data.feed_title);
      header.hidden = !title.textContent && items.length < 2;
      // Feature the first new headline at once; without one, keep featuring the same headline
      // (an update does not restart the cycle); failing that, start over.
      index = -1;
      if (before.length) {
        for (let i = 0; i < items.length && index < 0; i++) {
          if (!before.some(sameItem.bind(null, items[i]))) index = i;
        }
      }
      for (let j = 0; j < items.length && index < 0 && shown; j++) {
        if (sameItem(items[j], shown)) index = j;
      }
      if (index < 0) index = 0;
      draw();
      schedule();
    },
    refit: draw,
    stop: function () {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

function sameItem(a, b) {
  return (a.link && a.link === b.link) || (!a.link && a.title === b.title);
}

function byline(author, when) {
  const line = el("p", "byline");
  const who = text(author);
  if (who) line.appendChild(el("span", "byline-author", who));
  if (relative(when)) {
    const time = el("span", "byline-time");
    bindTime(time, when);
    line.appendChild(time);
  }
  return line;
}

function socialView() {
  const root = el("section", "tpl tpl-social");
  root.setAttribute("data-testid", "template-social");
  let post = null;

  function draw() {
    root.textContent = "";
    if (!post) {
      const empty = el("div", "empty", t("noPosts"));
      empty.setAttribute("data-testid", "social-empty");
      root.appendChild(empty);
      return;
    }
    const card = el("article", "post");
    card.setAttribute("data-testid", "social-post");
    const head = el("header", "post-head");
    const name = text(post.from && post.from.name);
    const avatar = el("div", "post-avatar", initials(name));
    avatar.setAttribute("aria-hidden", "true");
    const who = el("div", "post-who");
    who.appendChild(el("div", "post-name", name));
    const when = post.created_time || post.created_at;
    if (relative(when)) {
      const time = el("div", "post-time");
      bindTime(time, when);
      who.appendChild(time);
    }
    head.appendChild(avatar);
    head.appendChild(who);
    card.appendChild(head);
    const message = text(post.message);
    const body = el("p", "post-message " + sizeClass(message.length), message);
    body.setAttribute("data-testid", "social-message");
    card.appendChild(body);
    root.appendChild(card);
    fit(card, body, null);
  }

  return {
    root: root,
    update: function (data) {
      if (!isObject(data)) return fallbackToGeneric(data);
      // A removed post: keep showing the one before it, if any.
      if (data.removed !== true) post = data;
      draw();
    },
    refit: draw,
  };
}

function titleSize(length) {
  if (length <= 50) return "size-l";
  if (length <= 100) return "size-m";
  return "size-s";
}

function sizeClass(length) {
  if (length <= 80) return "size-l";
  if (length <= 240) return "size-m";
  return "size-s";
}

const SIZES = ["size-l", "size-m", "size-s", "size-xs"];

/**
 * Fits text in its box: steps `node` down through the size classes while `box` overflows, then
 * drops `optional` (e.g. a summary) if it still does. Clamped lines stay as the last resort.
 */
function fit(box, node, optional) {
  let i = 0;
  while (i < SIZES.length && !node.classList.contains(SIZES[i])) i++;
  while (overflows(box) && i < SIZES.length - 1) {
    node.classList.remove(SIZES[i]);
    i++;
    node.classList.add(SIZES[i]);
  }
  if (optional && overflows(box)) optional.hidden = true;
}

function overflows(box) {
  return box.scrollHeight > box.clientHeight + 1;
}

function initials(name) {
  const words = name.split(/\s+/).filter(Boolean);
  return words
    .slice(0, 2)
    .map(function (w) {
      return w.charAt(0).toUpperCase();
    })
    .join("");
}

function genericView() {
  const root = el("section", "tpl tpl-generic");
  root.setAttribute("data-testid", "template-generic");
  return {
    root: root,
    update: function (data) {
      root.textContent = "";
      if (isObject(data) || Array.isArray(data)) {
        const keys = Object.keys(data);
        if (typeof data.title === "string" && !Array.isArray(data)) {
          root.appendChild(el("h1", "generic-title", data.title));
        }
        const grid = el("dl", "generic-fields");
        let shown = 0;
        for (let i = 0; i < keys.length && shown < MAX_FIELDS; i++) {
          const key = keys[i];
          if (key === "title" && typeof data.title === "string" && !Array.isArray(data)) continue;
          const row = el("div", "generic-field");
          row.setAttribute("data-key", key);
          row.appendChild(el("dt", "generic-key", humanize(key)));
          row.appendChild(valueNode(data[key]));
          grid.appendChild(row);
          shown++;
        }
        if (!shown && !root.firstChild) root.appendChild(el("div", "empty", t("empty")));
        else root.appendChild(grid);
      } else {
        const single = el("div", "generic-single");
        single.appendChild(valueNode(data));
        root.appendChild(single);
      }
    },
  };
}

function valueNode(value) {
  if (value === null || value === undefined) return el("dd", "generic-value is-empty", "—");
  if (typeof value === "number") return el("dd", "generic-value is-number", formatNumber(value));
  if (typeof value === "boolean") return el("dd", "generic-value is-bool", value ? "✓" : "✗");
  if (typeof value === "string") return el("dd", "generic-value" + (value.length > 120 ? " is-long" : ""), value);
  let json = JSON.stringify(value);
  if (json.length > MAX_JSON) json = json.slice(0, MAX_JSON - 1) + "…";
  return el("dd", "generic-value is-json", json);
}

function humanize(key) {
  const words = String(key)
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim();
  return capitalize(words);
}

/** Data that does not fit the template is still shown, as generic fields. */
function fallbackToGeneric(data) {
  stopView();
  page.view = genericView();
  replaceStage(page.view.root);
  page.view.update(data);
}

// ----- helpers -----

function el(tag, className, content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content !== undefined && content !== null) node.textContent = String(content);
  return node;
}

function text(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "";
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function capitalize(s) {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

/** An absolute http(s) URL, or null. */
function safeUrl(value) {
  if (typeof value !== "string" || !value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (e) {
    return null;
  }
}

/**
 * Shows the image when the URL is safe and loads; hides it otherwise (no broken-image icon).
 * `onShown` runs once it is shown (the layout changed).
 */
function setImage(img, value, onShown) {
  const url = safeUrl(value);
  if (!url) {
    img.hidden = true;
    img.removeAttribute("src");
    return;
  }
  if (img.getAttribute("src") === url) return;
  img.hidden = true;
  img.referrerPolicy = "no-referrer";
  img.decoding = "async";
  img.onload = function () {
    img.hidden = false;
    if (onShown) onShown();
  };
  img.onerror = function () {
    img.hidden = true;
  };
  img.src = url;
}

function formatNumber(value, digits) {
  try {
    const options = digits === undefined ? { maximumFractionDigits: 2 } : { maximumFractionDigits: digits };
    return value.toLocaleString(lang, options);
  } catch (e) {
    return String(value);
  }
}

/** Marks a node as showing a relative time, and renders it. */
function bindTime(node, iso, key) {
  node.setAttribute("data-time", iso);
  if (key) node.setAttribute("data-time-key", key);
  if (typeof iso === "string") {
    const date = new Date(iso);
    if (!isNaN(date.getTime())) node.title = date.toLocaleString(lang);
  }
  renderTime(node);
}

function renderTime(node) {
  const rel = relative(node.getAttribute("data-time"));
  const key = node.getAttribute("data-time-key");
  node.textContent = rel ? (key ? t(key, { time: rel }) : rel) : "";
}

/** "5 min ago", or "" for a missing or unreadable time. */
function relative(iso) {
  if (typeof iso !== "string" || !iso) return "";
  const at = Date.parse(iso);
  if (isNaN(at)) return "";
  const seconds = Math.max(0, (Date.now() - at) / 1000);
  if (seconds < 60) return t("justNow");
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t("minutesAgo", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t("hoursAgo", { n: hours });
  return t("daysAgo", { n: Math.floor(hours / 24) });
}

function format(template, vars) {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, function (whole, name) {
    return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole;
  });
}

/** An attribute the hub filled in, or "" when the placeholder is still there. */
function filled(value) {
  if (!value || /^\{\{.*\}\}$/.test(value)) return "";
  return value;
}

/** `/display/{id}` → id, for a page opened without the hub's substitution. */
function idFromPath() {
  const match = /\/display\/([^/?#]+)\/?$/.exec(location.pathname);
  if (!match) return "";
  try {
    return decodeURIComponent(match[1]);
  } catch (e) {
    return "";
  }
}

function pickTemplate(name) {
  return TEMPLATES.indexOf(name) >= 0 ? name : "generic";
}

function pickTheme(theme) {
  return theme === "light" || theme === "auto" ? theme : "dark";
}

function pickLanguage(wanted) {
  const candidates = [wanted || ""].concat(navigator.languages || [navigator.language || ""]);
  for (let i = 0; i < candidates.length; i++) {
    const base = String(candidates[i]).toLowerCase().split("-")[0];
    if (STRINGS[base]) return base;
  }
  return "en";
}
