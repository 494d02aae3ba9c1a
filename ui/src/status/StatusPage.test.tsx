import { cleanup, fireEvent, render, screen, within } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HubContext, createHubClient } from "../api";
import { setLocale } from "../i18n";
import { StatusPage } from "./StatusPage";
import { statusFixture } from "./status.fixture";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function renderStatus(fetchImpl: typeof fetch, refreshMs = 60_000) {
  const hub = createHubClient({ baseUrl: "http://hub.test", token: () => "tok", fetch: fetchImpl });
  return render(() => (
    <HubContext.Provider value={hub}>
      <StatusPage refreshMs={refreshMs} />
    </HubContext.Provider>
  ));
}

afterEach(() => {
  cleanup();
  setLocale("en");
  localStorage.clear();
  vi.useRealTimers();
});

describe("StatusPage", () => {
  it("shows a loading state until the hub answers", async () => {
    let answer!: (response: Response) => void;
    renderStatus(() => new Promise<Response>((resolve) => (answer = resolve)));
    expect(screen.getByTestId("status-loading").textContent).toContain("Loading status");
    answer(json(200, statusFixture));
    await screen.findByTestId("hub-version");
    expect(screen.queryByTestId("status-loading")).toBeNull();
  });

  it("renders the version, the three listeners, storage and the key-store warning", async () => {
    renderStatus(async () => json(200, statusFixture));

    expect(screen.getByRole("heading", { level: 1, name: "Status" })).toBeTruthy();
    expect(screen.getByTestId("status-page")).toBeTruthy();
    expect((await screen.findByTestId("hub-version")).textContent).toBe("0.1.0");

    const admin = screen.getByTestId("listener-admin");
    expect(within(admin).getByRole("heading", { name: "Admin" })).toBeTruthy();
    expect(within(admin).getByTestId("listener-address").textContent).toBe("127.0.0.1:7420");
    expect(within(admin).getByTestId("listener-reach").textContent).toBe("This computer only");

    const player = screen.getByTestId("listener-player");
    expect(within(player).getByTestId("listener-url").textContent).toBe("http://192.168.1.20:7421");
    // lan: true → reachable from the local network
    expect(within(player).getByTestId("listener-reach").textContent).toBe("Local network");
    expect(player.textContent).toContain("Reachable from the local network");

    const hooks = screen.getByTestId("listener-hooks");
    expect(within(hooks).getByTestId("listener-address").textContent).toBe("127.0.0.1:7422");
    expect(hooks.textContent).toContain("tunnel");

    const keystore = screen.getByTestId("keystore");
    expect(keystore.getAttribute("data-kind")).toBe("file");
    expect(within(keystore).getByTestId("keystore-kind").textContent).toBe("Key file");
    const warning = within(keystore).getByTestId("keystore-warning");
    expect(warning.textContent).toContain("Credentials are protected by file permissions only");

    expect(screen.getByTestId("data-dir").textContent).toBe("/root/.local/share/millrace");
    expect(screen.getByTestId("database").textContent).toBe("/root/.local/share/millrace/millrace.db");
    expect(screen.getByTestId("hub-started-at").getAttribute("datetime")).toBe("2026-11-26T10:00:00Z");
  });

  it("shows no warning box when the key store has no warning, and player without LAN as local", async () => {
    const keyring = {
      ...statusFixture,
      listeners: { ...statusFixture.listeners, player: { ...statusFixture.listeners.player, lan: false } },
      keystore: { kind: "keyring", description: "OS keyring (Secret Service)", warning: null },
    };
    renderStatus(async () => json(200, keyring));
    const keystore = await screen.findByTestId("keystore");
    expect(within(keystore).getByTestId("keystore-kind").textContent).toBe("OS keyring");
    expect(screen.queryByTestId("keystore-warning")).toBeNull();
    expect(within(screen.getByTestId("listener-player")).getByTestId("listener-reach").textContent).toBe(
      "This computer only",
    );
  });

  it("shows a readable error with a retry button when the hub cannot be reached, and recovers", async () => {
    const fetchMock = vi
      .fn<typeof fetch>()
      .mockRejectedValueOnce(new TypeError("Failed to fetch"))
      .mockResolvedValue(json(200, statusFixture));
    renderStatus(fetchMock);

    const alert = await screen.findByRole("alert");
    expect(alert.getAttribute("data-code")).toBe("network");
    expect(alert.textContent).toContain("Could not reach the hub");
    expect(screen.queryByTestId("hub-version")).toBeNull();

    fireEvent.click(within(alert).getByRole("button", { name: "Retry" }));
    expect((await screen.findByTestId("hub-version")).textContent).toBe("0.1.0");
    expect(screen.queryByRole("alert")).toBeNull();
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it("refreshes on its interval", async () => {
    vi.useFakeTimers();
    const fetchMock = vi.fn(async () => json(200, statusFixture));
    renderStatus(fetchMock, 5_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(4_900);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it("stops refreshing once removed", async () => {
    vi.useFakeTimers();
    const fetchMock = vi.fn(async () => json(200, statusFixture));
    const { unmount } = renderStatus(fetchMock, 5_000);
    await vi.advanceTimersByTimeAsync(0);
    unmount();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it("switches language live", async () => {
    renderStatus(async () => json(200, statusFixture));
    await screen.findByTestId("hub-version");
    setLocale("es");
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Estado");
    expect(within(screen.getByTestId("keystore")).getByTestId("keystore-kind").textContent).toBe(
      "Archivo de clave",
    );
  });
});
