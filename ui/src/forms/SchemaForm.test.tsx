import { cleanup, fireEvent, render, screen, within } from "@solidjs/testing-library";
import { createRoot, createSignal } from "solid-js";
import { createStore } from "solid-js/store";
import { afterEach, describe, expect, it } from "vitest";
import { ApiError, errorFromResponse, type CredentialsView, type FieldDef, type Schema } from "../api";
import { FormErrorsContext, createFormErrors, errorsUnder, splitFieldErrors, type FormErrors } from "./errors";
import { FormStatus } from "./FormStatus";
import { SchemaForm } from "./SchemaForm";
import {
  controlFor,
  credentialChanges,
  fromRaw,
  initialCredentialValues,
  initialValues,
  valuesToSend,
  type RawValues,
} from "./schemaForm";

const weatherOptions: Schema = {
  latitude: { type: "number", required: true, min: -90, max: 90, label: "Latitude", help: "Decimal degrees." },
  units: { type: "string", enum: ["metric", "imperial", "standard"], default: "metric", label: "Units" },
  max_items: { type: "integer", default: 10, min: 1, max: 100, label: "Items to show" },
  show_icon: { type: "boolean", default: true, label: "Show the icon" },
  city: { type: "string", label: "City" },
};

const credentialsSchema: Schema = {
  api_key: { type: "string", required: true, sensitive: true, label: "API key", help: "From your account." },
  account: { type: "string", label: "Account name" },
  region: { type: "string", enum: ["eu", "us"], default: "eu", label: "Region" },
};

afterEach(cleanup);

/** A form's errors owned by a root, as a component would own them. */
const rootedFormErrors = () => createRoot(() => createFormErrors());

describe("controlFor: a field's type decides its input", () => {
  it.each([
    [{ type: "string" }, "text"],
    [{ type: "number" }, "number"],
    [{ type: "integer" }, "number"],
    [{ type: "boolean" }, "checkbox"],
    [{ type: "string", enum: ["a", "b"] }, "select"],
    [{ type: "integer", enum: [1, 2] }, "select"],
    [{ type: "string", sensitive: true }, "password"],
  ] as [FieldDef, string][])("%j → %s", (def, kind) => {
    expect(controlFor(def)).toBe(kind);
  });
});

describe("values", () => {
  it("start from the current value, else the default, else empty", () => {
    expect(initialValues(weatherOptions, { latitude: 51.5, units: "imperial" })).toEqual({
      latitude: "51.5",
      units: "imperial",
      max_items: "10",
      show_icon: true,
      city: "",
    });
  });

  it("are sent typed; empty inputs are left out so the hub applies defaults and reports required fields", () => {
    const values: RawValues = { latitude: "-33.9", units: "standard", max_items: "", show_icon: false, city: "  Lima " };
    expect(valuesToSend(weatherOptions, values)).toEqual({ latitude: -33.9, units: "standard", show_icon: false, city: "  Lima " });
    expect(valuesToSend(weatherOptions, { latitude: "", units: "", max_items: "", show_icon: true, city: "" })).toEqual({ show_icon: true });
  });

  it("text that is not a number is sent as typed, for the hub to explain", () => {
    expect(fromRaw({ type: "integer" }, "ten")).toBe("ten");
    expect(fromRaw({ type: "integer", enum: [1, 2] }, "2")).toBe(2);
  });
});

describe("credentials: secrets are never shown and only changes are sent", () => {
  const view: CredentialsView = {
    configured: true,
    fields: { api_key: { set: true }, account: { set: true }, region: { set: true } },
    metadata: { account: "office", region: "us" },
    validated_at: "2026-11-26T10:00:00Z",
    is_valid: true,
  };

  it("starts with empty secrets and the non-sensitive values from metadata", () => {
    expect(initialCredentialValues(credentialsSchema, view)).toEqual({ api_key: "", account: "office", region: "us" });
    expect(initialCredentialValues(credentialsSchema, null)).toEqual({ api_key: "", account: "", region: "eu" });
  });

  it("sends a typed secret, null for a cleared one, nothing for untouched ones; null for an emptied value", () => {
    const initial = initialCredentialValues(credentialsSchema, view);
    expect(credentialChanges(credentialsSchema, initial, initial)).toEqual({});
    expect(credentialChanges(credentialsSchema, initial, { ...initial, api_key: "new-key" })).toEqual({ api_key: "new-key" });
    expect(credentialChanges(credentialsSchema, initial, initial, new Set(["api_key"]))).toEqual({ api_key: null });
    expect(credentialChanges(credentialsSchema, initial, { ...initial, account: "", region: "eu" })).toEqual({ account: null, region: "eu" });
  });
});

function renderForm(
  schema: Schema,
  options: { prefix?: string; credentials?: CredentialsView | null; values?: RawValues; errors?: FormErrors } = {},
) {
  const errors = options.errors ?? rootedFormErrors();
  const [values, setValues] = createStore<RawValues>(options.values ?? initialValues(schema));
  const [cleared, setCleared] = createSignal<ReadonlySet<string>>(new Set());
  const result = render(() => (
    <FormErrorsContext.Provider value={errors}>
      <SchemaForm
        schema={schema}
        values={values}
        onChange={(name, value) => setValues(name, value)}
        pathPrefix={options.prefix ?? "options"}
        credentials={options.credentials}
        cleared={cleared()}
        onClear={(name, clear) => {
          const next = new Set(cleared());
          if (clear) next.add(name);
          else next.delete(name);
          setCleared(next);
        }}
      />
      <FormStatus error={undefined} />
    </FormErrorsContext.Provider>
  ));
  return { ...result, values, errors, cleared };
}

describe("SchemaForm", () => {
  it("renders each field with its label, help, required flag, bounds, enum as a select and the default", () => {
    renderForm(weatherOptions);
    const latitude = screen.getByLabelText("Latitude") as HTMLInputElement;
    expect(latitude.type).toBe("number");
    expect(latitude.min).toBe("-90");
    expect(latitude.max).toBe("90");
    expect(latitude.getAttribute("aria-required")).toBe("true");
    expect(latitude.getAttribute("aria-describedby")).toBeTruthy();
    expect(document.getElementById(latitude.getAttribute("aria-describedby")!)?.textContent).toBe("Decimal degrees.");

    const units = screen.getByLabelText("Units") as HTMLSelectElement;
    expect(units.tagName).toBe("SELECT");
    expect([...units.options].map((o) => o.value)).toEqual(["", "metric", "imperial", "standard"]);
    expect(units.value).toBe("metric");

    expect((screen.getByLabelText("Items to show") as HTMLInputElement).value).toBe("10");
    expect((screen.getByLabelText("Items to show") as HTMLInputElement).step).toBe("1");
    expect((screen.getByLabelText("Show the icon") as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText("City") as HTMLInputElement).type).toBe("text");
    expect(screen.getByLabelText("City").getAttribute("aria-required")).toBeNull();
  });

  it("keeps the typed values in the store", () => {
    const { values } = renderForm(weatherOptions);
    fireEvent.input(screen.getByLabelText("Latitude"), { target: { value: "40.4" } });
    fireEvent.change(screen.getByLabelText("Units"), { target: { value: "imperial" } });
    fireEvent.change(screen.getByLabelText("Show the icon"), { target: { checked: false } });
    expect(valuesToSend(weatherOptions, values)).toEqual({ latitude: 40.4, units: "imperial", max_items: 10, show_icon: false });
  });

  it("shows a sensitive field as an empty password input that says set or not set, never the value", () => {
    const view: CredentialsView = {
      configured: true,
      fields: { api_key: { set: true }, account: { set: false }, region: { set: true } },
      metadata: { region: "us" },
      validated_at: null,
      is_valid: true,
    };
    renderForm(credentialsSchema, { prefix: "credentials", credentials: view, values: initialCredentialValues(credentialsSchema, view) });
    const key = screen.getByLabelText("API key") as HTMLInputElement;
    expect(key.type).toBe("password");
    expect(key.value).toBe("");
    expect(key.autocomplete).toBe("new-password");
    expect(screen.getByTestId("secret-state-api_key").textContent).toBe("set");
    expect((screen.getByLabelText("Region") as HTMLSelectElement).value).toBe("us");
  });

  it("a set secret can be cleared (and kept again) without revealing it", () => {
    const view: CredentialsView = { configured: true, fields: { api_key: { set: true } }, metadata: {}, validated_at: null, is_valid: true };
    renderForm({ api_key: credentialsSchema.api_key! }, { prefix: "credentials", credentials: view, values: { api_key: "" } });
    const field = screen.getByTestId("field-api_key");
    fireEvent.click(within(field).getByRole("button", { name: "Clear" }));
    expect(screen.getByTestId("secret-state-api_key").textContent).toBe("will be cleared");
    expect((screen.getByLabelText("API key") as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(within(field).getByRole("button", { name: "Keep" }));
    expect(screen.getByTestId("secret-state-api_key").textContent).toBe("set");
  });

  it("a secret that is not set says so and cannot be cleared", () => {
    renderForm({ api_key: credentialsSchema.api_key! }, { prefix: "credentials", credentials: null, values: { api_key: "" } });
    expect(screen.getByTestId("secret-state-api_key").textContent).toBe("not set");
    expect(screen.queryByRole("button", { name: "Clear" })).toBeNull();
  });
});

describe("422 mapping", () => {
  const body = JSON.stringify({
    error: { code: "invalid", message: "the request has invalid fields; see errors" },
    errors: {
      "options.latitude": ["must be at most 90"],
      "options.units": ["must be one of metric, imperial, standard"],
      template: ["no template 'x'"],
    },
  });

  it("splits errors into those an input claims and the rest", () => {
    const all = { name: ["required"], "pull_config.timeout": ["too long"], body: ["must be an object"] };
    expect(splitFieldErrors(all, new Set(["name", "pull_config.timeout"]))).toEqual({
      shown: { name: ["required"], "pull_config.timeout": ["too long"] },
      unclaimed: [["body", ["must be an object"]]],
    });
    expect(errorsUnder({ "options.units": ["x"], name: ["y"] }, "options")).toEqual({ units: ["x"] });
  });

  it("puts each message next to its input, marks it invalid, and lists unknown paths in the summary", () => {
    const errors = rootedFormErrors();
    renderForm(weatherOptions, { errors });
    const error = errorFromResponse(422, "Unprocessable Entity", body);
    expect(error).toBeInstanceOf(ApiError);
    errors.setFrom(error);

    const latitude = screen.getByLabelText("Latitude");
    expect(latitude.getAttribute("aria-invalid")).toBe("true");
    const describedBy = latitude.getAttribute("aria-describedby")!.split(" ");
    const errorText = describedBy.map((id) => document.getElementById(id)?.textContent).join(" ");
    expect(errorText).toContain("must be at most 90");
    expect(within(screen.getByTestId("field-units")).getByTestId("field-error").textContent).toContain("must be one of");
    expect(screen.getByLabelText("City").getAttribute("aria-invalid")).toBeNull();

    expect(errors.unclaimed()).toEqual([["template", ["no template 'x'"]]]);
  });

  it("an input that goes away gives its errors back to the summary", () => {
    const errors = rootedFormErrors();
    const [shown, setShown] = createSignal(true);
    render(() => (
      <FormErrorsContext.Provider value={errors}>
        {shown() ? <SchemaForm schema={{ city: { type: "string" } }} values={{ city: "" }} onChange={() => {}} pathPrefix="options" /> : null}
      </FormErrorsContext.Provider>
    ));
    errors.set({ "options.city": ["is required"] });
    expect(errors.unclaimed()).toEqual([]);
    setShown(false);
    expect(errors.unclaimed()).toEqual([["options.city", ["is required"]]]);
  });

  it("the form status shows the hub's failure and the unclaimed paths", () => {
    const errors = rootedFormErrors();
    errors.set({ template: ["no template 'x'"] });
    render(() => (
      <FormErrorsContext.Provider value={errors}>
        <FormStatus error={errorFromResponse(422, "", body)} />
      </FormErrorsContext.Provider>
    ));
    expect(screen.getByRole("alert").textContent).toContain("Some fields are not valid");
    expect(screen.getByTestId("error-summary").textContent).toContain("template: no template 'x'");
  });
});
