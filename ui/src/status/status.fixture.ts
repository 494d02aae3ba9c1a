import type { HubStatus } from "../api";

/** A status answer as the hub sends it, with the key-file warning set. */
export const statusFixture: HubStatus = {
  version: "0.1.0",
  listeners: {
    admin: { address: "127.0.0.1:7420", url: "http://127.0.0.1:7420" },
    player: { address: "0.0.0.0:7421", url: "http://192.168.1.20:7421", lan: true },
    hooks: { address: "127.0.0.1:7422", url: "http://127.0.0.1:7422" },
  },
  keystore: {
    kind: "file",
    description: "Key file in the data directory",
    warning:
      "Credentials are protected by file permissions only (/root/.local/share/millrace/master.key)",
  },
  data_dir: "/root/.local/share/millrace",
  database: "/root/.local/share/millrace/millrace.db",
  started_at: "2026-11-26T10:00:00Z",
};
