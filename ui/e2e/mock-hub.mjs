// A stand-in for the hub's player listener, for testing the /display templates with exact data
// (the real hub can only show what its integrations fetch). It serves the real player/ files
// the way the hub does and follows the player API contract (DESIGN §5): versioned data with
// 304, long polls, and an SSE stream of `version` events. Loopback only, port 0.

import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { UI_DIR } from "./hub.mjs";

export const PLAYER_DIR = join(UI_DIR, "..", "player");

const ASSETS = {
  "/player.js": ["player.js", "text/javascript; charset=utf-8"],
  "/display/assets/display.js": ["display.js", "text/javascript; charset=utf-8"],
  "/display/assets/display.css": ["display.css", "text/css; charset=utf-8"],
};

// A 1×1 PNG, for image URLs that must load.
const PIXEL = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

const escapeAttr = (s) => String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * @returns {Promise<{
 *   origin: string,
 *   put: (id: string, template: string, data: any, extra?: object) => number,
 *   remove: (id: string) => void,
 *   requests: string[],
 *   close: () => Promise<void>,
 * }>}
 */
export async function startMockHub() {
  let sequence = Date.now();
  /** @type {Map<string, {template: string, body: any}>} */
  const widgets = new Map();
  /** @type {Set<{res: import("node:http").ServerResponse, ids: string[]}>} */
  const streams = new Set();
  /** @type {Set<() => void>} */
  const waiters = new Set();
  const requests = [];

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://mock");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    res.setHeader("Access-Control-Allow-Origin", "*");
    try {
      if (ASSETS[url.pathname]) {
        const [file, type] = ASSETS[url.pathname];
        res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-cache" });
        res.end(await readFile(join(PLAYER_DIR, file)));
        return;
      }
      if (url.pathname === "/pixel.png") {
        res.writeHead(200, { "Content-Type": "image/png" });
        res.end(PIXEL);
        return;
      }
      const display = /^\/display\/([^/]+)$/.exec(url.pathname);
      if (display) {
        const id = decodeURIComponent(display[1]);
        const template = widgets.get(id)?.template ?? "generic";
        const page = (await readFile(join(PLAYER_DIR, "display.html"), "utf8"))
          .replace("{{WIDGET_CONFIG_ID}}", escapeAttr(id))
          .replace("{{TEMPLATE}}", escapeAttr(template));
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache" });
        res.end(page);
        return;
      }
      const data = /^\/api\/widget-configs\/([^/]+)\/data$/.exec(url.pathname);
      if (data) return await serveData(decodeURIComponent(data[1]), url, req, res);
      if (url.pathname === "/api/events") return serveEvents(url, res);
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { code: "not_found", message: "no route" } }));
    } catch (error) {
      res.writeHead(500);
      res.end(String(error));
    }
  });

  async function serveData(id, url, req, res) {
    const held = url.searchParams.get("version");
    const wait = Number(url.searchParams.get("wait") ?? 0);
    if (held !== null && !/^\d+$/.test(held)) {
      res.writeHead(400, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { code: "bad_version", message: "bad version" } }));
      return;
    }
    let widget = widgets.get(id);
    if (widget && held !== null && Number(held) === widget.body.version && wait > 0) {
      await new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, wait * 1000);
        waiters.add(done);
        req.on("close", done);
      });
      widget = widgets.get(id);
    }
    if (!widget) {
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: { code: "not_found", message: `no active widget config ${id}` } }));
      return;
    }
    const headers = { ETag: `"${widget.body.version}"`, "Cache-Control": "no-cache" };
    if (held !== null && Number(held) === widget.body.version) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, "Content-Type": "application/json" });
    res.end(JSON.stringify(widget.body));
  }

  function serveEvents(url, res) {
    const ids = url.searchParams.getAll("widget_config_id");
    if (!ids.length || ids.some((id) => !widgets.has(id))) {
      res.writeHead(ids.length ? 404 : 400, { "Content-Type": "application/json" });
      res.end("{}");
      return;
    }
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    res.write("retry: 3000\n\n");
    const stream = { res, ids };
    streams.add(stream);
    for (const id of ids) sendVersion(stream, id);
    const ping = setInterval(() => res.write(": keep-alive\n\nevent: ping\ndata: {}\n\n"), 15_000);
    res.on("close", () => {
      clearInterval(ping);
      streams.delete(stream);
    });
  }

  function sendVersion(stream, id) {
    const v = widgets.get(id)?.body.version;
    if (v === undefined) return;
    stream.res.write(`event: version\nid: ${v}\ndata: ${JSON.stringify({ widget_config_id: id, version: v })}\n\n`);
  }

  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    /** Sets a widget's data (a new version) and announces it. Returns the version. */
    put(id, template, data, extra = {}) {
      const version = ++sequence;
      widgets.set(id, {
        template,
        body: {
          version,
          data,
          fetched_at: new Date().toISOString(),
          status: "ok",
          stale: false,
          error: null,
          ...extra,
        },
      });
      for (const done of [...waiters]) done();
      for (const stream of streams) if (stream.ids.includes(id)) sendVersion(stream, id);
      return version;
    },
    remove(id) {
      widgets.delete(id);
      for (const done of [...waiters]) done();
    },
    async close() {
      for (const { res } of streams) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
