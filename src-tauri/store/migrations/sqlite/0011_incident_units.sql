-- Per-unit CAD exports (派警单, "unit history"): each unit sent to an incident with its own
-- stage times, so a unit's turnout and travel stay figures of their own. The incident row
-- carries the earliest of each stage over its units, and how many there were (`units`,
-- NULL where the source writes one row per incident). Keyed by the unit within its
-- incident, so a later export of the same incident merges rather than duplicates.
CREATE TABLE incident_units (
    id            INTEGER PRIMARY KEY,
    source        TEXT   NOT NULL,
    incident_id   TEXT   NOT NULL,
    unit          TEXT   NOT NULL,
    dispatched_ms BIGINT,
    signed_for_ms BIGINT,
    departed_ms   BIGINT,
    arrived_ms    BIGINT,
    cleared_ms    BIGINT,
    seq           BIGINT NOT NULL,
    UNIQUE (source, incident_id, unit)
);
CREATE INDEX incident_units_seq ON incident_units (seq);

ALTER TABLE incidents ADD COLUMN units INTEGER;
