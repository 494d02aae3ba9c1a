import { createMemo } from "solid-js";
import qrcode from "qrcode-generator";

/** Quiet zone around the code, in modules (the QR standard asks for 4). */
export const QR_MARGIN = 4;

export interface QrMatrix {
  /** Modules per side (17 + 4 × version). */
  size: number;
  dark: (row: number, col: number) => boolean;
}

/** Encodes `text` (UTF-8, byte mode) at error-correction level M with the smallest version that fits. */
export function qrMatrix(text: string): QrMatrix {
  const code = qrcode(0, "M");
  // Byte mode takes one char per byte: hand it the UTF-8 bytes.
  code.addData(String.fromCharCode(...new TextEncoder().encode(text)), "Byte");
  code.make();
  const size = code.getModuleCount();
  return { size, dark: (row, col) => code.isDark(row, col) };
}

/** One SVG path for every dark module: a 1×1 square per module, in module units. */
export function qrPath(matrix: QrMatrix, margin = QR_MARGIN): string {
  const parts: string[] = [];
  for (let row = 0; row < matrix.size; row += 1) {
    for (let col = 0; col < matrix.size; col += 1) {
      if (matrix.dark(row, col)) parts.push(`M${col + margin} ${row + margin}h1v1h-1z`);
    }
  }
  return parts.join("");
}

/**
 * A QR code of `text` as an inline SVG (crisp at any size, no canvas or data: URL),
 * generated in the browser; `label` is its accessible name.
 */
export function QrCode(props: { text: string; label: string; size?: number; testid?: string }) {
  const matrix = createMemo(() => qrMatrix(props.text));
  const side = () => matrix().size + QR_MARGIN * 2;
  return (
    <svg
      class="qr"
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${side()} ${side()}`}
      width={props.size ?? 176}
      height={props.size ?? 176}
      role="img"
      aria-label={props.label}
      shape-rendering="crispEdges"
      data-testid={props.testid ?? "qr-code"}
      data-modules={matrix().size}
    >
      <rect width={side()} height={side()} fill="#fff" />
      <path d={qrPath(matrix())} fill="#000" />
    </svg>
  );
}
