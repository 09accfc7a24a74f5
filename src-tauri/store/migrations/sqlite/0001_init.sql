-- Command Wall schema, SQLite flavour. Times are UTC milliseconds (BIGINT); the centre's
-- calendar is applied in the core. Every fact table carries `seq`, the value of the global
-- change counter when the row was last written, so the live engine asks
-- "WHERE seq > ?" and reads only what changed.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('change_seq', '0');

CREATE TABLE zones (
    code           TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    circle_minutes INTEGER NOT NULL CHECK (circle_minutes > 0)
);

CREATE TABLE posts (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    zone TEXT NOT NULL REFERENCES zones (code)
);

CREATE TABLE seats (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE units (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    zone TEXT REFERENCES zones (code)
);

CREATE TABLE categories (
    code    TEXT PRIMARY KEY NOT NULL,
    parent  TEXT REFERENCES categories (code),
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('police', 'non_police'))
);

CREATE TABLE calls (
    id             INTEGER PRIMARY KEY,
    source         TEXT NOT NULL,
    source_id      TEXT NOT NULL,
    channel        TEXT NOT NULL,
    received_ms    BIGINT NOT NULL,
    answered_ms    BIGINT,
    ended_ms       BIGINT,
    ring_recorded  BOOLEAN NOT NULL DEFAULT 1,
    seat           TEXT,
    caller_key     TEXT,
    caller_masked  TEXT,
    zone           TEXT,
    address        TEXT,
    lat            DOUBLE PRECISION,
    lon            DOUBLE PRECISION,
    category       TEXT,
    outcome        TEXT CHECK (outcome IN ('police', 'non_police', 'diverted', 'invalid')),
    invalid_reason TEXT,
    incident_id    TEXT,
    duplicate      BOOLEAN NOT NULL DEFAULT 0,
    seq            BIGINT NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX calls_received ON calls (received_ms);
CREATE INDEX calls_seq ON calls (seq);
CREATE INDEX calls_caller ON calls (caller_key) WHERE caller_key IS NOT NULL;
CREATE INDEX calls_incident ON calls (source, incident_id) WHERE incident_id IS NOT NULL;

CREATE TABLE incidents (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    category      TEXT,
    priority      INTEGER,
    zone          TEXT,
    unit          TEXT,
    created_ms    BIGINT NOT NULL,
    dispatched_ms BIGINT,
    signed_for_ms BIGINT,
    departed_ms   BIGINT,
    arrived_ms    BIGINT,
    fed_back_ms   BIGINT,
    closed_ms     BIGINT,
    merged_into   TEXT,
    disposition   TEXT,
    case_filed    BOOLEAN NOT NULL DEFAULT 0,
    case_cleared  BOOLEAN NOT NULL DEFAULT 0,
    seq           BIGINT NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX incidents_created ON incidents (created_ms);
CREATE INDEX incidents_seq ON incidents (seq);

CREATE TABLE work_orders (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    direction     TEXT NOT NULL CHECK (direction IN ('diverted', 'to_police', 'hotline')),
    call_id       TEXT,
    category      TEXT,
    zone          TEXT,
    department    TEXT,
    sent_ms       BIGINT NOT NULL,
    accepted_ms   BIGINT,
    assigned_ms   BIGINT,
    handled_ms    BIGINT,
    fed_back_ms   BIGINT,
    accept_by_ms  BIGINT,
    due_ms        BIGINT,
    status        TEXT,
    returned_ms   BIGINT,
    return_reason TEXT,
    seq           BIGINT NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX work_orders_sent ON work_orders (sent_ms);
CREATE INDEX work_orders_seq ON work_orders (seq);

CREATE TABLE callbacks (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    incident_id   TEXT,
    work_order_id TEXT,
    called_ms     BIGINT NOT NULL,
    reached       BOOLEAN NOT NULL,
    satisfaction  TEXT CHECK (satisfaction IN ('satisfied', 'basic', 'dissatisfied')),
    seq           BIGINT NOT NULL,
    UNIQUE (source, source_id)
);
CREATE INDEX callbacks_called ON callbacks (called_ms);
CREATE INDEX callbacks_seq ON callbacks (seq);

-- Problems found in incoming data: where (file, line, column), what and the raw value.
CREATE TABLE data_quality (
    id        INTEGER PRIMARY KEY,
    logged_ms BIGINT NOT NULL,
    source    TEXT NOT NULL,
    file      TEXT,
    line      BIGINT,
    column_name TEXT,
    record_id TEXT,
    severity  TEXT NOT NULL CHECK (severity IN ('rejected', 'warning')),
    reason    TEXT NOT NULL,
    raw_value TEXT
);
CREATE INDEX data_quality_logged ON data_quality (logged_ms);

CREATE TABLE imports (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    file          TEXT NOT NULL,
    started_ms    BIGINT NOT NULL,
    finished_ms   BIGINT,
    rows_read     BIGINT NOT NULL DEFAULT 0,
    rows_stored   BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    warnings      BIGINT NOT NULL DEFAULT 0
);
