import { describe, expect, it } from "vitest";
import type { Integration, IntegrationInput } from "../api";
import { setLocale } from "../i18n";
import { deleteConsequences } from "./deleteText";
import { draftFromInput, draftToInput, emptyDraft, inputFromIntegration, numberOrText } from "./draft";

const rssTemplate: IntegrationInput = {
  widget: "rss",
  name: "RSS feed",
  description: "Headlines.",
  integration_type: "pull",
  config_schema: {
    feed_url: { type: "string", required: true, label: "Feed URL" },
    max_items: { type: "integer", default: 10, min: 1, max: 100, label: "Items to show" },
  },
  pull_endpoint: "{{options.feed_url}}",
  pull_interval_seconds: 300,
  pull_config: { fetcher: "rss", timeout: 8000 },
  data_key: "widget_option:feed_url",
};

const githubTemplate: IntegrationInput = {
  widget: "repo-stats",
  name: "GitHub repository",
  description: "",
  integration_type: "both",
  credential_scope: "organization",
  credential_schema: { webhook_secret: { type: "string", required: true, sensitive: true, label: "Webhook secret" } },
  config_schema: { owner: { type: "string", required: true }, units: { type: "string", enum: ["a", "b"], default: "a" } },
  pull_endpoint: "https://api.github.com/repos/{{options.owner}}",
  pull_interval_seconds: 600,
  pull_config: {
    fetcher: "json",
    timeout: 5000,
    rate_limit: 50,
    headers: { Accept: "application/vnd.github+json" },
    mapping: { stars: "/stargazers_count" },
  },
  push_config: {
    verifier: { scheme: "github", secret_field: "webhook_secret", tolerance_seconds: 300 },
    transform: { mapping: { stars: "/repository/stargazers_count" } },
  },
  data_key: "widget_config",
  is_active: true,
};

describe("integration drafts", () => {
  it("a template survives the round trip through the editor unchanged", () => {
    expect(draftToInput(draftFromInput(rssTemplate))).toEqual({ ...rssTemplate, credential_scope: "organization", credential_schema: {}, is_active: true });
    expect(draftToInput(draftFromInput(githubTemplate))).toEqual(githubTemplate);
  });

  it("sends only the sections the type uses", () => {
    const draft = draftFromInput(githubTemplate);
    draft.integration_type = "push";
    const push = draftToInput(draft);
    expect(push.pull_config).toBeUndefined();
    expect(push.pull_endpoint).toBeUndefined();
    expect(push.push_config?.verifier.scheme).toBe("github");
    draft.integration_type = "pull";
    expect(draftToInput(draft).push_config).toBeUndefined();
  });

  it("numbers that do not parse are sent as typed; empty ones are left out", () => {
    const draft = draftFromInput(rssTemplate);
    draft.pull_interval_seconds = "5";
    draft.pull.timeout = "soon";
    draft.pull.rate_limit = "";
    const input = draftToInput(draft);
    expect(input.pull_interval_seconds).toBe(5);
    expect(input.pull_config?.timeout).toBe("soon");
    expect(input.pull_config).not.toHaveProperty("rate_limit");
    expect(numberOrText(" 12 ")).toBe(12);
    expect(numberOrText("")).toBeUndefined();
  });

  it("schema rows become typed field definitions (choices, default, bounds)", () => {
    const draft = emptyDraft();
    draft.config_schema.push({
      key: "k",
      name: " count ",
      type: "integer",
      required: true,
      label: "Count",
      help: "",
      sensitive: false,
      choices: "1, 2, 3",
      default: "2",
      min: "1",
      max: "3",
    });
    expect(draftToInput(draft).config_schema).toEqual({
      count: { type: "integer", required: true, label: "Count", enum: [1, 2, 3], default: 2, min: 1, max: 3 },
    });
  });

  it("empty key-value rows are dropped; hmac settings only go with the hmac scheme", () => {
    const draft = draftFromInput(githubTemplate);
    draft.pull.query.push({ key: "q", name: "", value: "" });
    draft.push.header = "X-Sig";
    expect(draftToInput(draft).pull_config?.query).toBeUndefined();
    expect(draftToInput(draft).push_config?.verifier).not.toHaveProperty("header");
    draft.push.scheme = "hmac";
    expect(draftToInput(draft).push_config?.verifier.header).toBe("X-Sig");
  });

  it("an integration view becomes the input that replaces it (for enable/disable)", () => {
    const view = {
      ...githubTemplate,
      id: 3,
      created_at: "x",
      updated_at: "y",
      credentials: null,
      widget_config_count: 2,
      integration_type: "push",
      pull_endpoint: null,
      pull_config: { fetcher: "json", timeout: 5000, query: {}, headers: {} },
    } as Integration;
    const input = inputFromIntegration(view);
    expect(input).not.toHaveProperty("id");
    expect(input).not.toHaveProperty("credentials");
    expect(input).not.toHaveProperty("widget_config_count");
    expect(input).not.toHaveProperty("pull_config");
    expect(input.push_config).toEqual(githubTemplate.push_config);
  });
});

describe("the delete confirmation says what goes with the integration", () => {
  it.each([
    [0, "This also deletes its credentials and cached data. No widget uses it."],
    [1, "This also deletes its 1 widget config and that widget's credentials, and its own credentials and cached data."],
    [4, "This also deletes its 4 widget configs, their credentials, its credentials and cached data."],
  ])("%i widget configs", (n, text) => {
    expect(deleteConsequences({ widget_config_count: n })).toBe(text);
  });

  it("in Spanish too", () => {
    setLocale("es");
    expect(deleteConsequences({ widget_config_count: 3 })).toContain("sus 3 widgets");
    setLocale("en");
  });
});
