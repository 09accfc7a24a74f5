-- A phone system's (ACD's) interval aggregates: per line and interval, the calls offered,
-- abandoned, and answered in each band of the answer interval (within 10 s, 10–15 s,
-- 15–20 s, after 20 s). Such systems export no call rows; these counts are what the
-- answer-time figures rest on where the CAD records no ring time. `source_id` is the line and
-- the interval's start (UTC milliseconds), so importing the same file again changes nothing.
CREATE TABLE phone_intervals (
    id            INTEGER PRIMARY KEY,
    source        TEXT    NOT NULL,
    source_id     TEXT    NOT NULL,
    line          TEXT    NOT NULL,
    start_ms      BIGINT  NOT NULL,
    minutes       INTEGER NOT NULL CHECK (minutes > 0),
    offered       INTEGER NOT NULL CHECK (offered >= 0),
    abandoned     INTEGER NOT NULL CHECK (abandoned >= 0),
    answered_10   INTEGER NOT NULL CHECK (answered_10 >= 0),
    answered_15   INTEGER NOT NULL CHECK (answered_15 >= 0),
    answered_20   INTEGER NOT NULL CHECK (answered_20 >= 0),
    answered_over INTEGER NOT NULL CHECK (answered_over >= 0),
    seq           BIGINT  NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX phone_intervals_start ON phone_intervals (start_ms);
CREATE INDEX phone_intervals_seq ON phone_intervals (seq);
