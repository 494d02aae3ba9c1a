import { defineConfig } from "vitest/config";
import solid from "vite-plugin-solid";

// The hub embeds dist/ at compile time and serves it from the admin listener at `/`.
// Everything except index.html lands hashed under assets/ (nothing is inlined as a
// data: URI, so a strict `default-src 'self'` Content-Security-Policy works).
//
// `npm run dev` proxies /admin/api to a running hub (MILLRACE_ADMIN_URL, default
// http://127.0.0.1:7420); open http://localhost:5173/#token=<token> to sign in.
// (Declared here rather than pulling in @types/node for one line.)
declare const process: { env: Record<string, string | undefined> };
const hub = process.env.MILLRACE_ADMIN_URL ?? "http://127.0.0.1:7420";

export default defineConfig({
  plugins: [solid()],
  base: "/",
  build: {
    outDir: "dist",
    assetsDir: "assets",
    assetsInlineLimit: 0,
    emptyOutDir: true,
    target: "es2022",
  },
  server: {
    proxy: {
      "/admin/api": { target: hub, changeOrigin: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
