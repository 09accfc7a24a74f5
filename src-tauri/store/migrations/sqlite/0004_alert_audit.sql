-- The alert audit: every transition of every alert (pending, firing, raised, escalated,
-- acknowledged, silenced, resolved), with who did it, from which door and address.
-- Append-only: rows are never updated or deleted; alert state is rebuilt from them.
CREATE TABLE alert_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    alert       INTEGER NOT NULL,
    rule        TEXT    NOT NULL,
    cut         TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('pending', 'firing', 'raised', 'escalated',
                                                 'acknowledged', 'silenced', 'resolved')),
    level       TEXT    NOT NULL CHECK (level IN ('blue', 'yellow', 'orange', 'red')),
    value       REAL,
    detail      TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL,
    who         TEXT,
    comment     TEXT,
    door        TEXT,
    address     TEXT,
    until_ms    INTEGER
);
CREATE INDEX alert_events_by_alert ON alert_events (alert);
CREATE INDEX alert_events_by_time ON alert_events (at_ms);

CREATE TRIGGER alert_events_append_only_update BEFORE UPDATE ON alert_events
BEGIN
    SELECT RAISE(ABORT, 'the alert audit is append-only');
END;
CREATE TRIGGER alert_events_append_only_delete BEFORE DELETE ON alert_events
BEGIN
    SELECT RAISE(ABORT, 'the alert audit is append-only');
END;
