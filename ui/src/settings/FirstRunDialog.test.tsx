import { fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { describe, expect, it } from "vitest";
import { fakeHub } from "../testing/fakeHub";
import { FirstRunDialog } from "./FirstRunDialog";

const base = {
  player_addr: "127.0.0.1:7421",
  player_lan: false,
  player_url: "http://127.0.0.1:7421",
  player_token_set: false,
  notifications: true,
  start_at_login: false,
  desktop: true,
};

describe("FirstRunDialog", () => {
  it("asks on the desktop app's first run and stores a LAN choice", async () => {
    const { render, calls } = fakeHub({
      "GET /admin/api/settings": { ...base, first_run: true },
      "PUT /admin/api/settings": (body: unknown) => ({ ...base, ...(body as object), first_run: false }),
    });
    render(() => <FirstRunDialog />);
    const share = await screen.findByTestId("first-run-share");
    expect(screen.getByTestId("first-run").textContent).toContain("firewall");
    fireEvent.click(share);
    await waitFor(() => expect(screen.queryByTestId("first-run")).toBeNull());
    const put = calls.find((c) => c.method === "PUT");
    expect(put?.body).toEqual({ player_addr: "0.0.0.0:7421" });
  });

  it("keeping it on this computer is an answer too", async () => {
    const { render, calls } = fakeHub({
      "GET /admin/api/settings": { ...base, first_run: true },
      "PUT /admin/api/settings": { ...base, first_run: false },
    });
    render(() => <FirstRunDialog />);
    fireEvent.click(await screen.findByTestId("first-run-keep"));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    expect(calls.find((c) => c.method === "PUT")?.body).toEqual({ player_addr: "127.0.0.1:7421" });
  });

  it("says nothing once answered or on a headless hub", async () => {
    const { render, calls } = fakeHub({ "GET /admin/api/settings": { ...base, desktop: false, first_run: false } });
    render(() => <FirstRunDialog />);
    await waitFor(() => expect(calls.length).toBe(1));
    expect(screen.queryByTestId("first-run")).toBeNull();
  });
});
