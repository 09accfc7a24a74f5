-- The caller key this database's caller hashes were made with, by fingerprint (an HMAC of a
-- fixed label under the key; never the key): a door that writes callers refuses a different
-- key at start, so that one caller never becomes two in the repeat-call lists. Append-only:
-- the first key and each deliberate change (`commandwall caller-key rotate --confirm`),
-- with when and how; the last row is the key in force.
CREATE TABLE caller_keys (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint TEXT    NOT NULL,
    change      TEXT    NOT NULL CHECK (change IN ('first', 'rotated')),
    at_ms       INTEGER NOT NULL,
    note        TEXT    NOT NULL DEFAULT ''
);

CREATE TRIGGER caller_keys_append_only_update BEFORE UPDATE ON caller_keys
BEGIN
    SELECT RAISE(ABORT, 'the caller-key record is append-only');
END;
CREATE TRIGGER caller_keys_append_only_delete BEFORE DELETE ON caller_keys
BEGIN
    SELECT RAISE(ABORT, 'the caller-key record is append-only');
END;
