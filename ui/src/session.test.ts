import { afterEach, describe, expect, it, vi } from "vitest";
import { TOKEN_STORAGE_KEY, createSession, takeTokenFromUrl, type HistoryLike } from "./session";

function fakeHistory() {
  const replaceState = vi.fn<HistoryLike["replaceState"]>();
  return { state: { kept: true }, replaceState } satisfies HistoryLike;
}

afterEach(() => {
  sessionStorage.clear();
  window.history.replaceState(null, "", "/");
});

describe("takeTokenFromUrl", () => {
  it("returns the token and rewrites the URL without the fragment", () => {
    const history = fakeHistory();
    const token = takeTokenFromUrl({ pathname: "/", search: "", hash: "#token=abc123" }, history);
    expect(token).toBe("abc123");
    expect(history.replaceState).toHaveBeenCalledWith({ kept: true }, "", "/");
  });

  it("keeps the path, the query and other fragment parameters", () => {
    const history = fakeHistory();
    takeTokenFromUrl({ pathname: "/status", search: "?x=1", hash: "#token=abc&tab=2" }, history);
    expect(history.replaceState).toHaveBeenCalledWith({ kept: true }, "", "/status?x=1#tab=2");
  });

  it("decodes a percent-encoded token", () => {
    expect(takeTokenFromUrl({ pathname: "/", search: "", hash: "#token=a%2Fb" }, fakeHistory())).toBe("a/b");
  });

  it("leaves a URL without a token alone", () => {
    const history = fakeHistory();
    expect(takeTokenFromUrl({ pathname: "/", search: "", hash: "#section" }, history)).toBeNull();
    expect(takeTokenFromUrl({ pathname: "/", search: "", hash: "" }, history)).toBeNull();
    expect(history.replaceState).not.toHaveBeenCalled();
  });

  it("removes an empty token from the URL but does not sign in with it", () => {
    const history = fakeHistory();
    expect(takeTokenFromUrl({ pathname: "/", search: "", hash: "#token=" }, history)).toBeNull();
    expect(history.replaceState).toHaveBeenCalledWith({ kept: true }, "", "/");
  });
});

describe("createSession (in the real jsdom window)", () => {
  it("moves the token from the address bar into sessionStorage", () => {
    window.history.replaceState(null, "", "/#token=s3cret");
    const session = createSession();
    expect(session.token()).toBe("s3cret");
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe("s3cret");
    expect(window.location.hash).toBe("");
    expect(window.location.href).not.toContain("s3cret");
  });

  it("uses the stored token when the URL has none, and a new login link replaces it", () => {
    sessionStorage.setItem(TOKEN_STORAGE_KEY, "old");
    expect(createSession().token()).toBe("old");
    window.history.replaceState(null, "", "/#token=new");
    expect(createSession().token()).toBe("new");
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe("new");
  });

  it("has no token and reason 'none' on a first visit", () => {
    const session = createSession();
    expect(session.token()).toBeNull();
    expect(session.reason()).toBe("none");
  });

  it("expire() clears the stored token and says why", () => {
    window.history.replaceState(null, "", "/#token=stale");
    const session = createSession();
    session.expire();
    expect(session.token()).toBeNull();
    expect(session.reason()).toBe("expired");
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });

  it("signOut() clears the token; a late 401 does not turn it into 'expired'", () => {
    window.history.replaceState(null, "", "/#token=t");
    const session = createSession();
    session.signOut();
    session.expire();
    expect(session.reason()).toBe("signed_out");
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull();
  });
});
