import { describe, expect, it, vi } from "vitest";
import { ApiError, createHubClient, errorFromResponse } from "./api";
import { statusFixture } from "./status/status.fixture";

const BASE = "http://127.0.0.1:7420";

function json(status: number, body: unknown, statusText = ""): Response {
  return new Response(JSON.stringify(body), {
    status,
    statusText,
    headers: { "Content-Type": "application/json" },
  });
}

function client(fetchImpl: typeof fetch, extra: { onUnauthorized?: () => void; timeoutMs?: number } = {}) {
  return createHubClient({ baseUrl: BASE, token: () => "tok", fetch: fetchImpl, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error("expected the call to fail");
}

describe("hub client requests", () => {
  it("GETs /admin/api/status with the bearer token and returns the body", async () => {
    const fetchMock = vi.fn<typeof fetch>(async () => json(200, statusFixture));
    const status = await client(fetchMock).status();
    expect(status).toEqual(statusFixture);
    expect(fetchMock).toHaveBeenCalledOnce();
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`${BASE}/admin/api/status`);
    expect(init?.method).toBe("GET");
    expect((init?.headers as Record<string, string>).Authorization).toBe("Bearer tok");
  });

  it("defaults the base URL to the page's origin", async () => {
    const fetchMock = vi.fn<typeof fetch>(async () => json(200, statusFixture));
    await createHubClient({ token: () => "t", fetch: fetchMock }).status();
    expect(fetchMock.mock.calls[0]?.[0]).toBe(`${window.location.origin}/admin/api/status`);
  });
});

describe("error mapping", () => {
  it("maps the hub's 401 error body and reports it to onUnauthorized", async () => {
    const onUnauthorized = vi.fn();
    const body = { error: { code: "unauthorized", message: "missing or wrong admin token" } };
    const error = await failure(client(async () => json(401, body), { onUnauthorized }).status());
    expect(error).toMatchObject({ status: 401, code: "unauthorized", message: "missing or wrong admin token" });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it("maps 403 forbidden without ending the session", async () => {
    const onUnauthorized = vi.fn();
    const body = { error: { code: "forbidden", message: "Origin not allowed" } };
    const error = await failure(client(async () => json(403, body), { onUnauthorized }).status());
    expect(error).toMatchObject({ status: 403, code: "forbidden" });
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it("keeps an unknown hub code as it is", () => {
    const error = errorFromResponse(409, "Conflict", JSON.stringify({ error: { code: "name_taken", message: "x" } }));
    expect(error.code).toBe("name_taken");
  });

  it("maps 422 field errors", () => {
    const error = errorFromResponse(
      422,
      "Unprocessable Entity",
      JSON.stringify({ errors: { name: ["can't be blank"], pull_interval_seconds: ["must be at least 60"] } }),
    );
    expect(error.code).toBe("validation");
    expect(error.status).toBe(422);
    expect(error.fieldErrors).toEqual({
      name: ["can't be blank"],
      pull_interval_seconds: ["must be at least 60"],
    });
  });

  it("derives the code from the status when the body is not the hub's JSON", async () => {
    const error = await failure(
      client(async () => new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" })).status(),
    );
    expect(error).toMatchObject({ status: 502, code: "server_error" });
    expect(error.message).toContain("502");
    expect(errorFromResponse(401, "", "").code).toBe("unauthorized");
    expect(errorFromResponse(404, "", "").code).toBe("not_found");
  });

  it("turns a refused connection into code 'network' with a readable message", async () => {
    const error = await failure(
      client(async () => {
        throw new TypeError("Failed to fetch");
      }).status(),
    );
    expect(error.status).toBe(0);
    expect(error.code).toBe("network");
    expect(error.message).toContain(BASE);
    expect(error.message).toContain("Failed to fetch");
  });

  it("gives up after the timeout with code 'network'", async () => {
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    const error = await failure(client(hanging, { timeoutMs: 20 }).status());
    expect(error.code).toBe("network");
    expect(error.message).toContain("no answer");
  });

  it("rejects a 200 that is not JSON as 'bad_response'", async () => {
    const error = await failure(client(async () => new Response("<!doctype html>", { status: 200 })).status());
    expect(error.code).toBe("bad_response");
  });

  it("rejects a 200 JSON of the wrong shape as 'bad_response'", async () => {
    const error = await failure(client(async () => json(200, { hello: "world" })).status());
    expect(error.code).toBe("bad_response");
  });
});

describe("requests the pages make", () => {
  function recorder() {
    const calls: { url: string; method: string; body: unknown }[] = [];
    const fetchImpl: typeof fetch = async (url, init) => {
      calls.push({ url: String(url), method: init?.method ?? "GET", body: init?.body ? JSON.parse(String(init.body)) : undefined });
      return json(200, {});
    };
    return { calls, hub: client(fetchImpl) };
  }

  it("credentials: a partial update with null to clear", async () => {
    const { calls, hub } = recorder();
    await hub.putIntegrationCredentials(3, { api_key: "k", region: null });
    await hub.putWidgetCredentials("a b", { app_secret: "s" });
    expect(calls[0]).toEqual({ url: `${BASE}/admin/api/integrations/3/credentials`, method: "PUT", body: { credentials: { api_key: "k", region: null } } });
    expect(calls[1]?.url).toBe(`${BASE}/admin/api/widget-configs/a%20b/credentials`);
  });

  it("deliveries: only the filters given, in the query", async () => {
    const { calls, hub } = recorder();
    await hub.deliveries({ integration_id: 2, outcome: "bad_signature", limit: 50, before_id: undefined });
    expect(calls[0]?.url).toBe(`${BASE}/admin/api/deliveries?integration_id=2&outcome=bad_signature&limit=50`);
  });

  it("widget configs by integration, import with its conflict rule, refresh and rotations", async () => {
    const { calls, hub } = recorder();
    await hub.widgetConfigs(4);
    await hub.importDefinitions({ format: "millrace.definitions" }, "update");
    await hub.refreshWidget("w1");
    await hub.rotateWebhookSecret(5, "w1");
    await hub.playerToken("generate");
    await hub.setTunnel({ provider: "manual", public_url: "https://hooks.example.com" });
    expect(calls.map((c) => `${c.method} ${c.url.replace(BASE, "")}`)).toEqual([
      "GET /admin/api/widget-configs?integration_id=4",
      "POST /admin/api/import?on_conflict=update",
      "POST /admin/api/widget-configs/w1/refresh",
      "POST /admin/api/integrations/5/webhook/secret",
      "POST /admin/api/settings/player-token",
      "PUT /admin/api/tunnel",
    ]);
    expect(calls[3]?.body).toEqual({ widget_config_id: "w1" });
    expect(calls[4]?.body).toEqual({ action: "generate" });
  });

  it("the hub's 422 code 'invalid' keeps its field errors", () => {
    const error = errorFromResponse(
      422,
      "",
      JSON.stringify({ error: { code: "invalid", message: "the request has invalid fields; see errors" }, errors: { "pull_config.timeout": ["too long"] } }),
    );
    expect(error.code).toBe("invalid");
    expect(error.fieldErrors).toEqual({ "pull_config.timeout": ["too long"] });
  });
});
