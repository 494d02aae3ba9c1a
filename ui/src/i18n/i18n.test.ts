import { afterEach, describe, expect, it } from "vitest";
import {
  DICTIONARIES,
  LOCALES,
  LOCALE_STORAGE_KEY,
  detectLocale,
  interpolate,
  locale,
  setLocale,
  t,
} from "./index";
import { formatDuration } from "./format";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

afterEach(() => {
  setLocale("en");
  localStorage.clear();
});

describe("dictionaries", () => {
  const reference = Object.keys(DICTIONARIES.en).sort();

  it.each(LOCALES)("%s has exactly the English keys", (code) => {
    expect(Object.keys(DICTIONARIES[code]).sort()).toEqual(reference);
  });

  it.each(LOCALES)("%s has no empty strings", (code) => {
    const empty = Object.entries(DICTIONARIES[code])
      .filter(([, text]) => text.trim() === "")
      .map(([key]) => key);
    expect(empty).toEqual([]);
  });

  it.each(LOCALES)("%s uses the same placeholders as English", (code) => {
    const mismatched = reference.filter((key) => {
      const k = key as keyof typeof DICTIONARIES.en;
      return placeholders(DICTIONARIES[code][k]).join() !== placeholders(DICTIONARIES.en[k]).join();
    });
    expect(mismatched).toEqual([]);
  });

  it("Spanish is actually translated (the page title differs)", () => {
    expect(DICTIONARIES.es["status.title"]).not.toBe(DICTIONARIES.en["status.title"]);
  });
});

describe("detectLocale", () => {
  it("prefers a stored choice", () => {
    expect(detectLocale("es", ["en-US"])).toBe("es");
  });
  it("uses the first browser language we ship, by primary subtag", () => {
    expect(detectLocale(null, ["fr-FR", "es-AR", "en"])).toBe("es");
  });
  it("ignores an unknown stored value and falls back to English", () => {
    expect(detectLocale("klingon", ["de-DE"])).toBe("en");
  });
});

describe("t", () => {
  it("follows the selected language and persists the choice", () => {
    expect(t("status.title")).toBe("Status");
    setLocale("es");
    expect(locale()).toBe("es");
    expect(t("status.title")).toBe("Estado");
    expect(localStorage.getItem(LOCALE_STORAGE_KEY)).toBe("es");
    expect(document.documentElement.lang).toBe("es");
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(t("error.other", { message: "boom" })).toBe("The hub answered with an error: boom");
    expect(interpolate("{a} and {b}", { a: 1 })).toBe("1 and {b}");
  });
});

describe("formatDuration", () => {
  it("shows the two largest units", () => {
    expect(formatDuration(2 * 86_400 + 3 * 3_600 + 59)).toBe("2 d 3 h");
    expect(formatDuration(5 * 60 + 12)).toBe("5 min 12 s");
  });
  it("never shows a negative duration", () => {
    expect(formatDuration(-30)).toBe("0 s");
  });
});
