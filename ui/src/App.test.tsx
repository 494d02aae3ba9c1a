import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { createHubClient } from "./api";
import { syncLocation } from "./router";
import { TOKEN_STORAGE_KEY, createSession } from "./session";
import { statusFixture } from "./status/status.fixture";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** The app as index.tsx builds it, but with a fake fetch. */
function renderApp(fetchImpl: typeof fetch) {
  const session = createSession();
  const hub = createHubClient({ token: session.token, onUnauthorized: () => session.expire(), fetch: fetchImpl });
  return render(() => <App session={session} hub={hub} />);
}

afterEach(() => {
  cleanup();
  sessionStorage.clear();
  window.history.replaceState(null, "", "/");
  syncLocation();
});

describe("App", () => {
  it("without a token shows the not-signed-in page and never calls the hub", () => {
    const fetchMock = vi.fn<typeof fetch>();
    renderApp(fetchMock);
    expect(screen.getByTestId("signed-out-page")).toBeTruthy();
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Not signed in");
    expect(screen.queryByTestId("session-expired")).toBeNull();
    expect(screen.queryByRole("navigation")).toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("signs in from the login link and shows the page of the path", async () => {
    window.history.replaceState(null, "", "/status#token=good");
    const fetchMock = vi.fn(async () => json(200, statusFixture));
    renderApp(fetchMock);
    expect(await screen.findByTestId("status-page")).toBeTruthy();
    expect(window.location.hash).toBe("");
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(nav.querySelector('[aria-current="page"]')?.textContent).toBe("Status");
  });

  it("a 401 clears the stored token and explains the session is no longer valid", async () => {
    window.history.replaceState(null, "", "/#token=wrong");
    renderApp(async () => json(401, { error: { code: "unauthorized", message: "bad token" } }));
    const expired = await screen.findByTestId("session-expired");
    expect(expired.textContent).toContain("Your session is no longer valid");
    expect(screen.queryByTestId("status-page")).toBeNull();
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });

  it("sign out returns to the not-signed-in page", async () => {
    window.history.replaceState(null, "", "/status#token=good");
    renderApp(async () => json(200, statusFixture));
    await screen.findByTestId("status-page");
    fireEvent.click(screen.getByRole("button", { name: "Sign out" }));
    expect(screen.getByTestId("signed-out-page").textContent).toContain("You have signed out");
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });
});

describe("routing", () => {
  function hubAnswering(routes: Record<string, unknown>): typeof fetch {
    return async (input) => {
      const path = new URL(String(input)).pathname;
      if (path in routes) return json(200, routes[path]);
      return json(404, { error: { code: "not_found", message: `no route for GET ${path}` } });
    };
  }

  it("the landing page is the overview; an empty hub gets the Get started call to action", async () => {
    window.history.replaceState(null, "", "/#token=good");
    renderApp(hubAnswering({ "/admin/api/overview": { integrations: [], players: { total: 0, up_to_date: 0 }, scheduler: { paused: false }, tunnel: { provider: "off", state: "off", public_url: null, last_error: null, connected_since: null }, worst: "ok" }, "/admin/api/status": statusFixture }));
    expect(await screen.findByTestId("overview-page")).toBeTruthy();
    expect(await screen.findByTestId("get-started")).toBeTruthy();
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(nav.querySelector('[aria-current="page"]')?.textContent).toBe("Overview");
    expect([...nav.querySelectorAll("a")].map((a) => a.textContent)).toEqual([
      "Overview",
      "Integrations",
      "Widgets",
      "Webhooks",
      "Players",
      "Settings",
      "Status",
    ]);
  });

  it("a hub without /overview says so and still offers Get started from the integration list", async () => {
    window.history.replaceState(null, "", "/#token=good");
    renderApp(hubAnswering({ "/admin/api/integrations": [], "/admin/api/status": statusFixture }));
    expect((await screen.findByTestId("unsupported")).textContent).toContain("does not support the live overview yet");
    expect(await screen.findByTestId("get-started")).toBeTruthy();
  });

  it("a plain click on a nav link navigates with pushState and marks the new page current", async () => {
    window.history.replaceState(null, "", "/status#token=good");
    renderApp(hubAnswering({ "/admin/api/status": statusFixture, "/admin/api/players": [], "/admin/api/widget-configs": [] }));
    await screen.findByTestId("status-page");
    fireEvent.click(screen.getByRole("link", { name: "Players" }));
    expect(await screen.findByTestId("players-page")).toBeTruthy();
    expect(window.location.pathname).toBe("/players");
    expect(screen.getByRole("navigation", { name: "Main" }).querySelector('[aria-current="page"]')?.textContent).toBe("Players");
    expect(await screen.findByTestId("players-empty")).toBeTruthy();
  });

  it("an unknown path shows the not-found page", async () => {
    window.history.replaceState(null, "", "/nowhere#token=good");
    renderApp(hubAnswering({}));
    expect(await screen.findByTestId("not-found-page")).toBeTruthy();
  });
});
