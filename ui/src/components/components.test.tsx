import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../i18n";
import { COPIED_MS, CopyButton } from "./CopyButton";
import { Dialog } from "./Dialog";
import { HealthBadge, healthLabel, healthTone } from "./HealthBadge";
import { QR_MARGIN, QrCode, qrMatrix, qrPath } from "./QrCode";

afterEach(() => {
  cleanup();
  setLocale("en");
  vi.useRealTimers();
});

describe("health badges", () => {
  it.each([
    ["ok", "ok", "Working"],
    ["stale", "warning", "Showing old data"],
    ["error", "error", "Failing"],
    ["auth_failed", "error", "Credentials refused"],
    ["waiting", "info", "Waiting for data"],
    ["no_webhooks", "info", "No webhooks yet"],
    ["no_secret", "warning", "Needs a secret"],
    ["inactive", "muted", "Disabled"],
    ["pending", "info", "Waiting for data"],
  ])("%s is %s and reads “%s”", (health, tone, label) => {
    expect(healthTone(health)).toBe(tone);
    expect(healthLabel(health)).toBe(label);
    render(() => <HealthBadge health={health} />);
    const badge = screen.getByTestId("health-badge");
    expect(badge.textContent).toBe(label);
    expect(badge.className).toContain(`badge--${tone}`);
    cleanup();
  });

  it("an unknown health from a newer hub is shown as sent, neutral", () => {
    expect(healthLabel("rebooting")).toBe("rebooting");
    expect(healthTone("rebooting")).toBe("info");
  });

  it("follows the language", () => {
    setLocale("es");
    expect(healthLabel("auth_failed")).toBe("Credenciales rechazadas");
  });
});

describe("QR code", () => {
  it("renders an SVG whose view box is the module count plus the quiet zone", () => {
    const url = "http://192.168.1.20:7421/display/0cf2738d-8b03-4fb2-8d63-fef15180e60d";
    render(() => <QrCode text={url} label="QR" />);
    const svg = screen.getByTestId("qr-code");
    expect(svg.tagName.toLowerCase()).toBe("svg");
    const modules = qrMatrix(url).size;
    // 67 bytes at level M need version 5: 17 + 4 × 5 = 37 modules.
    expect(modules).toBe(37);
    expect(svg.getAttribute("data-modules")).toBe("37");
    const side = modules + QR_MARGIN * 2;
    expect(svg.getAttribute("viewBox")).toBe(`0 0 ${side} ${side}`);
    expect(svg.getAttribute("role")).toBe("img");
    expect(svg.getAttribute("aria-label")).toBe("QR");
  });

  it("draws one square per dark module, with the three finder patterns in place", () => {
    const matrix = qrMatrix("hello");
    expect(matrix.size).toBe(21); // version 1
    const squares = qrPath(matrix).match(/M/g)?.length ?? 0;
    let dark = 0;
    for (let r = 0; r < matrix.size; r += 1) for (let c = 0; c < matrix.size; c += 1) if (matrix.dark(r, c)) dark += 1;
    expect(squares).toBe(dark);
    // Finder pattern corners: top-left, top-right, bottom-left are dark; the quiet zone offsets them.
    expect(matrix.dark(0, 0) && matrix.dark(0, 20) && matrix.dark(20, 0)).toBe(true);
    expect(qrPath(matrix)).toContain(`M${QR_MARGIN} ${QR_MARGIN}h1v1h-1z`);
  });

  it("encodes non-ASCII text as UTF-8 and grows with the content", () => {
    expect(qrMatrix("Café ☕").size).toBe(21);
    expect(qrMatrix("x".repeat(200)).size).toBeGreaterThan(37);
  });
});

describe("copy buttons", () => {
  it("copies the text and confirms, then the confirmation goes away", async () => {
    vi.useFakeTimers();
    const copy = vi.fn(async () => true);
    render(() => <CopyButton text="http://hub/display/1" label="display URL" copy={copy} />);
    const button = screen.getByRole("button", { name: "Copy display URL" });
    fireEvent.click(button);
    await vi.waitFor(() => expect(screen.getByRole("status").textContent).toBe("Copied"));
    expect(copy).toHaveBeenCalledWith("http://hub/display/1");
    vi.advanceTimersByTime(COPIED_MS + 10);
    expect(screen.getByRole("status").textContent).toBe("");
  });

  it("says so when the clipboard refuses", async () => {
    render(() => <CopyButton text="x" label="widget ID" copy={async () => false} />);
    fireEvent.click(screen.getByRole("button", { name: "Copy widget ID" }));
    await vi.waitFor(() => expect(screen.getByRole("status").textContent).toContain("Could not copy"));
  });

  it("uses the Clipboard API by default", async () => {
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    render(() => <CopyButton text="abc" label="it" />);
    fireEvent.click(screen.getByRole("button", { name: "Copy it" }));
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith("abc"));
  });
});

describe("dialog", () => {
  function renderDialog() {
    const [open, setOpen] = createSignal(false);
    const onClose = vi.fn(() => setOpen(false));
    render(() => (
      <>
        <button type="button" onClick={() => setOpen(true)}>
          Open
        </button>
        <Dialog open={open()} onClose={onClose} title="Delete it?">
          <button type="button">First</button>
          <button type="button">Last</button>
        </Dialog>
      </>
    ));
    return { onClose, open: () => fireEvent.click(screen.getByRole("button", { name: "Open" })) };
  }

  it("is a labelled modal that takes the focus and traps Tab", async () => {
    const { open } = renderDialog();
    screen.getByRole("button", { name: "Open" }).focus();
    open();
    const dialog = screen.getByRole("dialog");
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(document.getElementById(dialog.getAttribute("aria-labelledby")!)?.textContent).toBe("Delete it?");
    await vi.waitFor(() => expect(document.activeElement?.textContent).toBe("Close"));

    const last = screen.getByRole("button", { name: "Last" });
    last.focus();
    fireEvent.keyDown(dialog, { key: "Tab" });
    expect(document.activeElement?.textContent).toBe("Close");
    fireEvent.keyDown(dialog, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(last);
  });

  it("Escape closes it and the focus returns to the opener", async () => {
    const { onClose, open } = renderDialog();
    const opener = screen.getByRole("button", { name: "Open" });
    opener.focus();
    open();
    await vi.waitFor(() => expect(document.activeElement?.textContent).toBe("Close"));
    fireEvent.keyDown(screen.getByRole("dialog"), { key: "Escape" });
    expect(onClose).toHaveBeenCalledOnce();
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});
