/**
 * A fake hub for page tests: answers admin API calls from a table of handlers keyed by
 * "METHOD /path" (the query is matched when the key has one), records every call, and
 * answers 404 `not_found` for anything else — as a hub without that route would.
 */
import { render } from "@solidjs/testing-library";
import type { JSX } from "solid-js";
import { HubContext, createHubClient } from "../api";

export type Handler = (body: unknown, url: URL) => unknown | Response;

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export function fakeHub(handlers: Record<string, Handler | object>) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, path: `${url.pathname}${url.search}`, body });
    const key = [`${method} ${url.pathname}${url.search}`, `${method} ${url.pathname}`].find((k) => k in handlers);
    if (!key) return json(404, { error: { code: "not_found", message: `no route for ${method} ${url.pathname}` } });
    const handler = handlers[key]!;
    const answer = typeof handler === "function" ? (handler as Handler)(body, url) : handler;
    return answer instanceof Response ? answer : json(200, answer);
  };
  const hub = createHubClient({ baseUrl: "http://hub.test", token: () => "tok", fetch: fetchImpl });
  return {
    calls,
    hub,
    render: (ui: () => JSX.Element) => render(() => <HubContext.Provider value={hub}>{ui()}</HubContext.Provider>),
  };
}
