-- Millrace schema, version 1: the whole domain of DESIGN §2.
-- Append-only: never edit a migration that has shipped; add a new file instead.
-- Timestamps are RFC 3339 UTC text; JSON documents are text checked with json_valid().

-- Hub-wide settings (listeners, player token, tunnel, notifications…), one JSON value per key.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL CHECK (json_valid(value)),
    updated_at TEXT NOT NULL
) STRICT;

-- How one kind of widget gets data from one third-party service.
CREATE TABLE integrations (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    widget                TEXT NOT NULL,
    name                  TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    integration_type      TEXT NOT NULL CHECK (integration_type IN ('pull', 'push', 'both')),
    credential_scope      TEXT NOT NULL CHECK (credential_scope IN ('organization', 'widget')),
    credential_schema     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(credential_schema)),
    config_schema         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config_schema)),
    pull_endpoint         TEXT,
    pull_interval_seconds INTEGER CHECK (pull_interval_seconds IS NULL OR pull_interval_seconds > 0),
    pull_config           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(pull_config)),
    push_config           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(push_config)),
    data_key              TEXT NOT NULL DEFAULT 'organization',
    is_active             INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    UNIQUE (widget, name)
) STRICT;

-- One placement of a widget on the signs.
CREATE TABLE widget_configs (
    id             TEXT PRIMARY KEY NOT NULL,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    options        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options)),
    is_active      INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX widget_configs_integration ON widget_configs (integration_id);

-- Secret values of an integration, sealed (crypto::cipher). widget_config_id is NULL for
-- organization scope. Only non-sensitive fields ever appear in metadata.
CREATE TABLE credentials (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id   INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    widget_config_id TEXT REFERENCES widget_configs (id) ON DELETE CASCADE,
    sealed           BLOB NOT NULL,
    metadata         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    validated_at     TEXT,
    is_valid         INTEGER NOT NULL DEFAULT 0 CHECK (is_valid IN (0, 1)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX credentials_organization ON credentials (integration_id)
    WHERE widget_config_id IS NULL;
CREATE UNIQUE INDEX credentials_widget_config ON credentials (widget_config_id)
    WHERE widget_config_id IS NOT NULL;

-- Secrets of the hub itself (tunnel authtoken, bore secret), sealed like credentials.
CREATE TABLE hub_secrets (
    name       TEXT PRIMARY KEY NOT NULL,
    sealed     BLOB NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- The one version sequence: versions only grow and are never reused for the life of the
-- database, even when data rows are deleted. A bump takes max(last + 1, now in ms), so a fresh
-- database never hands out a version an older one already gave to a player.
CREATE TABLE version_sequence (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL
) STRICT;
INSERT INTO version_sequence (id, last) VALUES (1, 0);

-- The cache players read: one row per (integration, data key).
CREATE TABLE integration_data (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    data_key       TEXT NOT NULL,
    data           TEXT CHECK (data IS NULL OR json_valid(data)),
    version        INTEGER NOT NULL DEFAULT 0,
    content_hash   BLOB,
    fetched_at     TEXT,
    refresh_at     TEXT,
    status         TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'ok', 'error', 'auth_failed')),
    error_message  TEXT,
    failure_count  INTEGER NOT NULL DEFAULT 0,
    etag           TEXT,
    last_modified  TEXT,
    last_used_at   TEXT,
    UNIQUE (integration_id, data_key)
) STRICT;
CREATE INDEX integration_data_refresh ON integration_data (refresh_at);

-- Every webhook received, accepted or not, for the admin's inspector (bounded retention).
CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at      TEXT NOT NULL,
    integration_id   INTEGER REFERENCES integrations (id) ON DELETE CASCADE,
    widget_config_id TEXT,
    message_id       TEXT,
    verification     TEXT NOT NULL,
    outcome          TEXT NOT NULL,
    status_code      INTEGER NOT NULL,
    version_after    INTEGER,
    latency_us       INTEGER NOT NULL DEFAULT 0,
    headers          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(headers)),
    body_preview     TEXT,
    error            TEXT
) STRICT;
CREATE INDEX deliveries_integration ON deliveries (integration_id, id);

-- Message ids already accepted, for replay protection inside the tolerance window.
CREATE TABLE webhook_message_ids (
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    message_id     TEXT NOT NULL,
    seen_at        TEXT NOT NULL,
    PRIMARY KEY (integration_id, message_id)
) STRICT, WITHOUT ROWID;

-- Signs seen polling.
CREATE TABLE players (
    id         TEXT PRIMARY KEY NOT NULL,
    address    TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL
) STRICT;

-- Which version of each widget config a player last received.
CREATE TABLE player_widgets (
    player_id        TEXT NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    widget_config_id TEXT NOT NULL REFERENCES widget_configs (id) ON DELETE CASCADE,
    version          INTEGER NOT NULL,
    seen_at          TEXT NOT NULL,
    PRIMARY KEY (player_id, widget_config_id)
) STRICT, WITHOUT ROWID;
