import { cleanup, fireEvent, screen, within } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Delivery, Integration, Overview, TunnelView, WidgetConfig } from "./api";
import { OverviewPage } from "./overview/OverviewPage";
import { syncLocation } from "./router";
import { TunnelSettings } from "./settings/TunnelSettings";
import { statusFixture } from "./status/status.fixture";
import { fakeHub, json } from "./testing/fakeHub";
import { WebhooksPage } from "./webhooks/WebhooksPage";
import { WidgetDetailPage } from "./widgets/WidgetDetailPage";
import { WidgetsPage } from "./widgets/WidgetsPage";

afterEach(() => {
  cleanup();
  window.history.replaceState(null, "", "/");
  syncLocation();
});

const overview: Overview = {
  integrations: [
    {
      id: 1,
      name: "Office weather",
      widget: "weather",
      integration_type: "pull",
      is_active: true,
      health: "auth_failed",
      message: "OpenWeather refused the API key (HTTP 401). Enter a valid key.",
      last_update: "2026-11-26T10:00:00Z",
      next_pull: null,
      widget_configs: [
        {
          id: "w1",
          name: "Lobby weather",
          is_active: true,
          health: "stale",
          message: "Showing data from 2 hours ago",
          version: 17,
          fetched_at: "2026-11-26T08:00:00Z",
          next_pull: null,
          players: 3,
          players_current: 2,
        },
      ],
    },
  ],
  players: { total: 3, up_to_date: 2 },
  scheduler: { paused: false, keys: 1, in_flight: 0, blocked: 1 },
  tunnel: { provider: "bore", state: "online", public_url: "https://hooks.example.com", last_error: null, connected_since: "2026-11-26T09:00:00Z" },
  worst: "auth_failed",
};

describe("Overview", () => {
  it("shows each integration's and widget's health in plain words, players, and the tunnel", async () => {
    const { render } = fakeHub({ "GET /admin/api/overview": overview, "GET /admin/api/status": statusFixture });
    render(() => <OverviewPage refreshMs={60_000} />);
    const card = await screen.findByTestId("overview-integration-1");
    expect(within(card).getAllByTestId("health-badge")[0]!.textContent).toBe("Credentials refused");
    expect(within(card).getByTestId("health-message").textContent).toContain("refused the API key");
    const row = screen.getByTestId("overview-widget-w1");
    expect(row.textContent).toContain("Showing old data");
    expect(row.textContent).toContain("Showing data from 2 hours ago");
    expect(row.textContent).toContain("2 of 3 current");
    expect(screen.getByTestId("overview-worst").textContent).toBe("Credentials refused");
    expect(screen.getByTestId("overview-players").textContent).toBe("2 of 3 up to date");
    expect(screen.getByTestId("overview-tunnel").textContent).toContain("https://hooks.example.com");
    expect(screen.getByTestId("tunnel-state").textContent).toBe("Online");
    expect((await screen.findByTestId("keystore-warning")).textContent).toContain("file permissions only");
    expect(screen.queryByTestId("get-started")).toBeNull();
  });

  it("polls every few seconds while visible", async () => {
    vi.useFakeTimers();
    const { render, calls } = fakeHub({ "GET /admin/api/overview": overview, "GET /admin/api/status": statusFixture });
    render(() => <OverviewPage refreshMs={3000} />);
    await vi.advanceTimersByTimeAsync(0);
    const count = () => calls.filter((c) => c.path === "/admin/api/overview").length;
    expect(count()).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(count()).toBe(2);
    vi.useRealTimers();
  });
});

const pushIntegration: Integration = {
  id: 5,
  widget: "message",
  name: "Signed webhook",
  description: "",
  integration_type: "push",
  credential_scope: "organization",
  credential_schema: { webhook_secret: { type: "string", required: true, sensitive: true } },
  config_schema: {},
  push_config: { verifier: { scheme: "standard_webhooks", secret_field: "webhook_secret" }, transform: "passthrough" },
  data_key: "organization",
  is_active: true,
  created_at: "x",
  updated_at: "x",
  widget_config_count: 0,
};

const delivery = (id: number, outcome: string, verification: string): Delivery => ({
  id,
  received_at: "2026-11-26T10:00:00Z",
  integration_id: 5,
  widget_config_id: null,
  message_id: `msg_${id}`,
  verification,
  outcome,
  status_code: outcome === "accepted" ? 200 : 401,
  version_after: outcome === "accepted" ? 42 : null,
  latency_ms: 3,
  headers: { "webhook-id": `msg_${id}`, "webhook-signature": "<redacted>" },
  body_preview: '{"title":"Hello"}',
  error: outcome === "accepted" ? null : "the signature does not match",
});

describe("Webhooks", () => {
  function webhooksHub(extra: Record<string, unknown> = {}) {
    return fakeHub({
      "GET /admin/api/integrations": [pushIntegration],
      "GET /admin/api/widget-configs": [],
      "GET /admin/api/status": statusFixture,
      "GET /admin/api/integrations/5/webhook": {
        scheme: "standard_webhooks",
        secret_field: "webhook_secret",
        public: true,
        urls: { integration: "https://hooks.example.com/webhooks/integrations/5", widget_configs: [] },
        secret_set: true,
        previous_secret_set: false,
        last_delivery_at: "2026-11-26T10:00:00Z",
      },
      "POST /admin/api/integrations/5/webhook/secret": { secret: "whsec_NEWSECRET", previous_kept: true },
      "POST /admin/api/integrations/5/webhook/test": { status: 200, response: { success: true, version: 43 }, url: "http://127.0.0.1:7422/webhooks/integrations/5" },
      "GET /admin/api/deliveries": (_body: unknown, url: URL) => {
        const all = [delivery(2, "bad_signature", "bad_signature"), delivery(1, "accepted", "valid")];
        const outcome = url.searchParams.get("outcome");
        return outcome ? all.filter((d) => d.outcome === outcome) : all;
      },
      ...extra,
    });
  }

  it("shows the public URL; rotating the secret asks first and shows the new one once", async () => {
    const { render, calls } = webhooksHub();
    render(() => <WebhooksPage />);
    await vi.waitFor(() => expect(screen.getByTestId("webhook-url").textContent).toBe("https://hooks.example.com/webhooks/integrations/5"));
    expect(screen.queryByTestId("webhook-local")).toBeNull();
    expect(screen.getByTestId("webhook-secret-state").textContent).toContain("set");

    fireEvent.click(screen.getByTestId("rotate-secret"));
    expect(screen.getByRole("dialog").textContent).toContain("keeps working until the next rotation");
    fireEvent.click(screen.getByTestId("confirm-button"));
    const once = await screen.findByTestId("secret-once");
    expect((screen.getByTestId("new-secret") as HTMLInputElement).value).toBe("whsec_NEWSECRET");
    expect(once.textContent).toContain("shown only this once");
    expect(once.textContent).toContain("previous secret stays valid");
    expect(calls.find((c) => c.path.endsWith("/webhook/secret"))?.body).toEqual({});
    fireEvent.click(within(once).getByRole("button", { name: "I have copied it" }));
    expect(screen.queryByTestId("new-secret")).toBeNull();
    expect(document.body.textContent).not.toContain("whsec_NEWSECRET");
  });

  it("sends a test delivery and shows the hub's answer", async () => {
    const { render, calls } = webhooksHub();
    render(() => <WebhooksPage />);
    await screen.findByTestId("webhook-url");
    fireEvent.input(screen.getByLabelText("Payload (JSON, optional)"), { target: { value: '{"title":"Hi"}' } });
    fireEvent.click(screen.getByTestId("send-test-delivery"));
    const result = await screen.findByText(/HTTP 200/);
    expect(result).toBeTruthy();
    expect(screen.getByTestId("webhook-test-result").textContent).toContain('"version": 43');
    expect(calls.find((c) => c.path.endsWith("/webhook/test"))?.body).toEqual({ payload: { title: "Hi" } });
  });

  it("without a tunnel, explains that the local URL only works from this computer", async () => {
    const { render } = webhooksHub({
      "GET /admin/api/integrations/5/webhook": {
        scheme: "standard_webhooks",
        secret_field: "webhook_secret",
        public: false,
        urls: { integration: "http://127.0.0.1:7422/webhooks/integrations/5", widget_configs: [] },
        secret_set: false,
        previous_secret_set: false,
        last_delivery_at: null,
      },
    });
    render(() => <WebhooksPage />);
    expect((await screen.findByTestId("webhook-local")).textContent).toContain("need the tunnel");
    expect(within(screen.getByTestId("webhook-local")).getByRole("link").getAttribute("href")).toBe("/settings#tunnel");
  });

  it("the deliveries inspector filters by outcome and opens a detail drawer", async () => {
    const { render, calls } = webhooksHub();
    render(() => <WebhooksPage />);
    await vi.waitFor(() => expect(screen.getAllByTestId("delivery-row")).toHaveLength(2));
    fireEvent.change(screen.getByTestId("outcome-filter"), { target: { value: "accepted" } });
    await vi.waitFor(() => expect(screen.getAllByTestId("delivery-row")).toHaveLength(1));
    expect(calls.some((c) => c.path === "/admin/api/deliveries?integration_id=5&outcome=accepted&limit=50")).toBe(true);
    fireEvent.change(screen.getByTestId("outcome-filter"), { target: { value: "" } });
    await vi.waitFor(() => expect(screen.getAllByTestId("delivery-row")).toHaveLength(2));

    const bad = screen.getAllByTestId("delivery-row").find((r) => r.dataset.outcome === "bad_signature")!;
    expect(bad.textContent).toContain("Bad signature");
    fireEvent.click(within(bad).getByRole("button", { name: "Details" }));
    const drawer = await screen.findByTestId("delivery-drawer");
    expect(drawer.textContent).toContain("the signature does not match");
    expect(drawer.textContent).toContain("webhook-signature");
    expect(drawer.textContent).toContain("<redacted>");
    expect(drawer.textContent).toContain('{"title":"Hello"}');
    expect(drawer.textContent).toContain("msg_2");
    fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(screen.queryByTestId("delivery-drawer")).toBeNull();
  });

  it("an older hub without the webhook endpoints says so and shows the local URL", async () => {
    const older = fakeHub({
      "GET /admin/api/integrations": [pushIntegration],
      "GET /admin/api/widget-configs": [],
      "GET /admin/api/status": statusFixture,
    });
    older.render(() => <WebhooksPage />);
    expect((await screen.findAllByTestId("unsupported")).length).toBeGreaterThan(0);
    expect((await screen.findByTestId("webhook-url")).textContent).toBe("http://127.0.0.1:7422/webhooks/integrations/5");
    expect(screen.getByTestId("secret-by-hand")).toBeTruthy();
  });
});

describe("Tunnel settings", () => {
  const bore: TunnelView = {
    provider: "bore",
    state: "error",
    public_url: null,
    last_error: "connection refused by relay.example.com:7835",
    connected_since: null,
    settings: { server: "relay.example.com", port: 7835, secret: { set: true }, remote_port: 4000, public_url: null },
  };

  it("shows the live state, keeps a write-only secret unless typed, and shows 422s inline", async () => {
    const put = vi.fn((body: unknown) => {
      if ((body as { server?: string }).server === "") {
        return json(422, { error: { code: "invalid", message: "invalid" }, errors: { server: ["is required"] } });
      }
      return { ...bore, ...(body as object) };
    });
    const { render } = fakeHub({ "GET /admin/api/tunnel": bore, "PUT /admin/api/tunnel": put });
    render(() => <TunnelSettings />);
    expect((await screen.findByTestId("tunnel-state")).textContent).toBe("Error");
    expect(screen.getByTestId("tunnel-live").textContent).toContain("connection refused");
    expect((screen.getByLabelText("Relay server") as HTMLInputElement).value).toBe("relay.example.com");
    const secret = screen.getByLabelText("Relay secret") as HTMLInputElement;
    expect(secret.type).toBe("password");
    expect(secret.value).toBe("");

    fireEvent.click(screen.getByTestId("save-tunnel"));
    await vi.waitFor(() => expect(put).toHaveBeenCalledTimes(1));
    expect(put.mock.calls[0]![0]).toEqual({ provider: "bore", server: "relay.example.com", port: 7835, remote_port: 4000 });

    await screen.findByText("Tunnel settings saved.");
    fireEvent.input(screen.getByLabelText("Relay server"), { target: { value: "" } });
    fireEvent.click(screen.getByTestId("save-tunnel"));
    await vi.waitFor(() => expect(screen.getByLabelText("Relay server").getAttribute("aria-invalid")).toBe("true"));
    expect(screen.getByTestId("form-error").textContent).toContain("Some fields are not valid");

    fireEvent.click(screen.getByLabelText(/ngrok/));
    fireEvent.input(screen.getByLabelText("ngrok authtoken"), { target: { value: "2abcTOKEN" } });
    fireEvent.click(screen.getByTestId("save-tunnel"));
    await vi.waitFor(() => expect(put).toHaveBeenCalledTimes(3));
    expect(put.mock.calls[2]![0]).toEqual({ provider: "ngrok", domain: null, authtoken: "2abcTOKEN" });
  });

  it("a hub without /tunnel says it does not support it yet", async () => {
    const { render } = fakeHub({});
    render(() => <TunnelSettings />);
    expect((await screen.findByTestId("unsupported")).textContent).toContain("tunnel settings");
  });
});

describe("Widget page", () => {
  const widget: WidgetConfig = {
    id: "w1",
    integration_id: 1,
    name: "Lobby news",
    options: { feed_url: "http://feed.test/rss", max_items: 2 },
    is_active: true,
    created_at: "x",
    updated_at: "x",
    credentials: null,
    display_url: "http://192.168.1.20:7421/display/w1?token=tok123",
    data_url: "http://192.168.1.20:7421/api/widget-configs/w1/data?token=tok123",
  };
  const rss: Integration = {
    ...pushIntegration,
    id: 1,
    name: "RSS feed",
    integration_type: "pull",
    credential_schema: {},
    config_schema: { feed_url: { type: "string", required: true } },
    push_config: null,
  };

  it("previews what players receive, with the hub's display URL (token included) and its QR code", async () => {
    let version = 7;
    const { render, calls } = fakeHub({
      "GET /admin/api/widget-configs/w1": widget,
      "GET /admin/api/integrations/1": rss,
      "GET /admin/api/status": statusFixture,
      "GET /admin/api/settings": { player_addr: "0.0.0.0:7421", player_lan: true, player_token_set: true, notifications: true, start_at_login: false },
      "GET /admin/api/widget-configs/w1/data": () => ({
        version,
        data: { feed_title: "News", items: [{ title: version > 7 ? "Fresh" : "Old" }] },
        fetched_at: "2026-11-26T10:00:00Z",
        status: "ok",
        stale: false,
        error: null,
        active: true,
      }),
      "POST /admin/api/widget-configs/w1/refresh": () => {
        version = 8;
        return json(202, { queued: true });
      },
    });
    render(() => <WidgetDetailPage params={{ id: "w1" }} />);
    expect((await screen.findAllByTestId("rss-item"))[0]!.textContent).toContain("Old");
    expect(screen.getByTestId("display-url").textContent).toBe(widget.display_url);
    expect(screen.getByTestId("qr-code").getAttribute("aria-label")).toBe(`QR code for ${widget.display_url}`);
    expect(screen.queryByTestId("lan-hint")).toBeNull();

    fireEvent.click(await screen.findByTestId("refresh-now"));
    expect((screen.getByTestId("refresh-now") as HTMLButtonElement).disabled).toBe(true);
    await vi.waitFor(() => expect(screen.getAllByTestId("rss-item")[0]!.textContent).toContain("Fresh"), { timeout: 3000 });
    await screen.findByText("Fresh data arrived.");
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(1);
  });

  it("a stale preview says signs keep the last good data", async () => {
    const { render } = fakeHub({
      "GET /admin/api/widget-configs/w1": widget,
      "GET /admin/api/integrations/1": rss,
      "GET /admin/api/status": statusFixture,
      "GET /admin/api/widget-configs/w1/data": {
        version: 9,
        data: { temperature: 12.5, condition: "Clouds", location: "London" },
        fetched_at: "2026-11-26T10:00:00Z",
        status: "error",
        stale: true,
        error: "upstream timed out after 5000 ms",
      },
    });
    render(() => <WidgetDetailPage params={{ id: "w1" }} />);
    expect((await screen.findByTestId("preview-error")).textContent).toContain("signs keep the last good data: upstream timed out");
    expect(screen.getByTestId("preview-stale").textContent).toBe("old data");
    expect(screen.getByTestId("weather-summary").textContent).toContain("12.5°");
  });
});

describe("Widgets list", () => {
  const widgets: WidgetConfig[] = [
    { id: "a", integration_id: 1, name: "Lobby news", options: {}, is_active: true, created_at: "x", updated_at: "x" },
    { id: "b", integration_id: 1, name: "Hall news", options: {}, is_active: true, created_at: "x", updated_at: "x" },
  ];
  const payload = (status: string, stale: boolean) => ({ version: 1, data: {}, fetched_at: null, status, stale, error: null, active: true });

  it("shows each widget's health, from the players' payload on a hub without /overview", async () => {
    const { render } = fakeHub({
      "GET /admin/api/integrations": [{ ...pushIntegration, id: 1, name: "RSS feed" }],
      "GET /admin/api/widget-configs": widgets,
      "GET /admin/api/widget-configs/a/data": payload("ok", false),
      "GET /admin/api/widget-configs/b/data": payload("error", true),
    });
    render(() => <WidgetsPage />);
    await vi.waitFor(() => expect(within(screen.getByTestId("widget-row-b")).getByTestId("health-badge").textContent).toBe("Showing old data"));
    expect(within(screen.getByTestId("widget-row-a")).getByTestId("health-badge").textContent).toBe("Working");
  });

  it("filters by integration through the address", async () => {
    window.history.replaceState(null, "", "/widgets?integration=2");
    syncLocation();
    const { render } = fakeHub({
      "GET /admin/api/integrations": [],
      "GET /admin/api/widget-configs": [...widgets, { ...widgets[0]!, id: "c", integration_id: 2, name: "Other" }],
      "GET /admin/api/overview": { ...overview, integrations: [] },
    });
    render(() => <WidgetsPage />);
    await screen.findByTestId("widget-row-c");
    expect(screen.queryByTestId("widget-row-a")).toBeNull();
    expect(screen.getByTestId("new-widget").getAttribute("href")).toBe("/widgets/new?integration=2");
  });
});
