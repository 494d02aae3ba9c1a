/**
 * English, the reference dictionary: its keys define `MessageKey`, and every other
 * language must have exactly the same keys (checked by the compiler through
 * `Dictionary` and by `i18n.test.ts` at run time).
 *
 * Placeholders are written `{name}` and filled by `t(key, { name })`.
 */
export const en = {
  "app.name": "Millrace",
  "app.tagline": "Signage data hub",

  "shell.skipToContent": "Skip to content",
  "shell.mainNav": "Main",
  "shell.signOut": "Sign out",

  "language.label": "Language",
  "language.name.en": "English",
  "language.name.es": "Español",

  "page.status": "Status",

  "status.title": "Status",
  "status.intro": "What this hub is running and where it can be reached.",
  "status.loading": "Loading status…",
  "status.lastUpdated": "Updated {time}. Refreshes every 5 seconds.",
  "status.errorTitle": "Cannot show the status",
  "status.staleTitle": "The status could not be refreshed",
  "status.staleNote": "Showing the last status received, from {time}.",
  "status.retry": "Retry",
  "status.retrying": "Retrying…",

  "hub.heading": "Hub",
  "hub.version": "Version",
  "hub.startedAt": "Started",
  "hub.uptime": "Uptime",

  "listeners.heading": "Listeners",
  "listeners.intro": "The hub answers on three separate addresses, each for one kind of visitor.",
  "listener.address": "Address",
  "listener.url": "URL",
  "listener.reach.local": "This computer only",
  "listener.reach.lan": "Local network",
  "listener.admin.name": "Admin",
  "listener.admin.purpose":
    "This admin interface and its API. It only accepts connections from this computer (loopback), so nobody else on the network can reach it.",
  "listener.player.name": "Player",
  "listener.player.purpose": "Where signs fetch their data.",
  "listener.player.lan": "Reachable from the local network, so signs on your LAN can connect.",
  "listener.player.local":
    "Only reachable from this computer; signs on other devices cannot connect until access from the local network is enabled.",
  "listener.hooks.name": "Webhooks",
  "listener.hooks.purpose":
    "Receives webhooks pushed by third-party services. It only accepts connections from this computer; the internet reaches it only through the tunnel, when one is set up.",

  "keystore.heading": "Key store",
  "keystore.intro": "Where the master key that encrypts your credentials is kept.",
  "keystore.kind": "Kind",
  "keystore.kind.keyring": "OS keyring",
  "keystore.kind.file": "Key file",
  "keystore.kind.memory": "In memory",
  "keystore.kind.unknown": "Unknown ({kind})",
  "keystore.description": "Details",
  "keystore.warningTitle": "Warning",

  "storage.heading": "Storage",
  "storage.dataDir": "Data directory",
  "storage.database": "Database",

  "duration.days": "{n} d",
  "duration.hours": "{n} h",
  "duration.minutes": "{n} min",
  "duration.seconds": "{n} s",

  "error.network": "Could not reach the hub. Check that Millrace is still running.",
  "error.unauthorized": "The hub did not accept the admin token.",
  "error.forbidden": "The hub refused this request.",
  "error.not_found": "The hub does not know this address.",
  "error.bad_request": "The hub could not understand this request.",
  "error.validation": "Some fields are not valid; see the messages next to them.",
  "error.conflict": "This conflicts with something that already exists.",
  "error.rate_limited": "Too many requests; wait a moment and try again.",
  "error.server_error": "The hub had an internal error; its log has the details.",
  "error.bad_response": "The hub sent an answer this page could not read.",
  "error.other": "The hub answered with an error: {message}",

  "signin.title": "Not signed in",
  "signin.expired": "Your session is no longer valid (the hub may have a new admin token).",
  "signin.signedOut": "You have signed out.",
  "signin.howTo": "To open the admin interface:",
  "signin.stepTerminal": "In the terminal where the hub runs (millrace serve), find the line that starts with “Open the admin UI:”.",
  "signin.stepOpen": "Open the link on that line in this browser. It signs you in for this browser tab.",
  "signin.desktop": "Using the Millrace desktop app? Its window signs you in by itself.",
  "signin.tokenFile": "The admin token is also kept in the file admin-token inside the hub's data directory.",
} satisfies Record<string, string>;

/** A key of the dictionaries. */
export type MessageKey = keyof typeof en;

/** A complete translation: every key, nothing else. */
export type Dictionary = Record<MessageKey, string>;
