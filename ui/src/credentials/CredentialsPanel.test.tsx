import { cleanup, fireEvent, render, screen, within } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, type CredentialsView, type Schema, type TestResult } from "../api";
import { CredentialsPanel } from "./CredentialsPanel";

const schema: Schema = {
  api_key: { type: "string", required: true, sensitive: true, label: "API key" },
  account: { type: "string", label: "Account" },
};

const notSet: CredentialsView = { configured: false, fields: { api_key: { set: false }, account: { set: false } }, metadata: {}, validated_at: null, is_valid: false };
const set: CredentialsView = {
  configured: true,
  fields: { api_key: { set: true }, account: { set: true } },
  metadata: { account: "office" },
  validated_at: "2026-11-26T10:00:00Z",
  is_valid: true,
};

afterEach(cleanup);

function renderPanel(view: CredentialsView, overrides: Partial<Parameters<typeof CredentialsPanel>[0]> = {}) {
  const save = vi.fn(async (_changes: Record<string, unknown>) => set);
  const remove = vi.fn(async () => undefined);
  const onChanged = vi.fn();
  render(() => <CredentialsPanel schema={schema} view={view} save={save} remove={remove} onChanged={onChanged} {...overrides} />);
  return { save, remove, onChanged };
}

describe("CredentialsPanel", () => {
  it("saves only what changed, then shows 'set' and empties the secret input", async () => {
    const { save, onChanged } = renderPanel(notSet);
    expect(screen.getByTestId("secret-state-api_key").textContent).toBe("not set");
    const save_ = screen.getByTestId("save-credentials") as HTMLButtonElement;
    expect(save_.disabled).toBe(true);
    fireEvent.input(screen.getByLabelText("API key"), { target: { value: "k-123" } });
    expect(save_.disabled).toBe(false);
    fireEvent.click(save_);
    await vi.waitFor(() => expect(screen.getByTestId("credentials-saved")).toBeTruthy());
    expect(save).toHaveBeenCalledWith({ api_key: "k-123" });
    expect(onChanged).toHaveBeenCalledWith(set);
    expect(screen.getByTestId("secret-state-api_key").textContent).toBe("set");
    expect((screen.getByLabelText("API key") as HTMLInputElement).value).toBe("");
    expect((screen.getByLabelText("Account") as HTMLInputElement).value).toBe("office");
  });

  it("clearing a secret sends null", async () => {
    const { save } = renderPanel(set);
    fireEvent.click(within(screen.getByTestId("field-api_key")).getByRole("button", { name: "Clear" }));
    fireEvent.click(screen.getByTestId("save-credentials"));
    await vi.waitFor(() => expect(save).toHaveBeenCalledWith({ api_key: null }));
  });

  it("a 422 shows next to the field", async () => {
    renderPanel(notSet, {
      save: async () => {
        throw new ApiError(422, "invalid", "invalid", { "credentials.account": ["must be at most 20 characters"] });
      },
    });
    fireEvent.input(screen.getByLabelText("Account"), { target: { value: "x".repeat(30) } });
    fireEvent.click(screen.getByTestId("save-credentials"));
    await vi.waitFor(() => expect(screen.getByLabelText("Account").getAttribute("aria-invalid")).toBe("true"));
    expect(within(screen.getByTestId("field-account")).getByTestId("field-error").textContent).toContain("at most 20");
  });

  it("Test connection uses the typed values before saving and shows status, sample and data", async () => {
    const result: TestResult = { ok: true, status: 200, sample: '{"main":{"temp":12}}', data: { temperature: 12 }, duration_ms: 40, target: "https://api.test/weather", error: null };
    const test = vi.fn(async () => result);
    renderPanel(set, { test });
    fireEvent.input(screen.getByLabelText("API key"), { target: { value: "typed" } });
    fireEvent.click(screen.getByTestId("test-connection"));
    await screen.findByTestId("test-result");
    expect(test).toHaveBeenCalledWith({ api_key: "typed" });
    expect(screen.getByTestId("test-result").textContent).toContain("HTTP 200");
    expect(screen.getByTestId("test-sample").textContent).toContain('"temp":12');
    expect(screen.getByTestId("test-data").textContent).toContain('"temperature": 12');
  });

  it("a failed test explains the error in plain words", async () => {
    const result: TestResult = { ok: false, status: 401, sample: "Invalid API key", data: null, duration_ms: 30, target: null, error: { code: "auth", message: "the service refused the credentials (HTTP 401)" } };
    renderPanel(set, { test: async () => result });
    fireEvent.click(screen.getByTestId("test-connection"));
    const error = await screen.findByTestId("test-error");
    expect(error.textContent).toContain("refused the credentials");
    expect(error.textContent).toContain("check the key or secret");
  });

  it("an integration without credential fields says so", () => {
    renderPanel(notSet, { schema: {} });
    expect(screen.getByTestId("no-credentials").textContent).toBe("This integration needs no credentials.");
  });
});
