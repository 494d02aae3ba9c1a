import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { createHubClient } from "./api";
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

  it("signs in from the login link and shows the status page", async () => {
    window.history.replaceState(null, "", "/#token=good");
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
    window.history.replaceState(null, "", "/#token=good");
    renderApp(async () => json(200, statusFixture));
    await screen.findByTestId("status-page");
    fireEvent.click(screen.getByRole("button", { name: "Sign out" }));
    expect(screen.getByTestId("signed-out-page").textContent).toContain("You have signed out");
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });
});
