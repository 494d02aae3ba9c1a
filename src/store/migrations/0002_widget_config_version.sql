-- A widget config's own version, drawn from the same sequence as data versions. A player's
-- version is max(data version, widget config version), so a change of the widget's options
-- (e.g. max_items) reaches players even when the shared data did not change.
ALTER TABLE widget_configs ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
