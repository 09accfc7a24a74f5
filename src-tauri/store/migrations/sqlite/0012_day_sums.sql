-- Daily sums (core/kpi/ledger.rs): each finished local day's figures, kept so that an engine
-- starts from a few hundred sums instead of every record. A cache: rows deleted are computed
-- again. `digest` names the calendar, zones and rules a sum was made under, `day_ms`/`end_ms`
-- the local day (UTC milliseconds), `seq` the change number it is known good up to.
CREATE TABLE day_sums (
    digest  TEXT   NOT NULL,
    day_ms  BIGINT NOT NULL,
    end_ms  BIGINT NOT NULL,
    seq     BIGINT NOT NULL,
    sum     BLOB   NOT NULL,
    PRIMARY KEY (digest, day_ms)
) WITHOUT ROWID;

-- Where a record's anchor time was before it moved or the record was deleted: the day it
-- left has a sum that still counts it. A change in place is seen by the record's `seq`.
CREATE TABLE anchor_moves (
    anchor_ms BIGINT NOT NULL,
    seq       BIGINT NOT NULL
);
CREATE INDEX anchor_moves_seq ON anchor_moves (seq);

CREATE TRIGGER calls_anchor_moved AFTER UPDATE OF received_ms ON calls
    WHEN old.received_ms IS NOT new.received_ms
BEGIN
    INSERT INTO anchor_moves VALUES (old.received_ms, new.seq);
END;
CREATE TRIGGER calls_deleted AFTER DELETE ON calls
BEGIN
    INSERT INTO anchor_moves
    SELECT old.received_ms, CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq';
END;

CREATE TRIGGER incidents_anchor_moved AFTER UPDATE OF created_ms, dispatched_ms ON incidents
    WHEN old.created_ms IS NOT new.created_ms OR old.dispatched_ms IS NOT new.dispatched_ms
BEGIN
    INSERT INTO anchor_moves VALUES (old.created_ms, new.seq);
    INSERT INTO anchor_moves SELECT old.dispatched_ms, new.seq WHERE old.dispatched_ms IS NOT NULL;
END;
CREATE TRIGGER incidents_deleted AFTER DELETE ON incidents
BEGIN
    INSERT INTO anchor_moves
    SELECT old.created_ms, CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq';
    INSERT INTO anchor_moves
    SELECT old.dispatched_ms, CAST(value AS INTEGER) + 1 FROM meta
    WHERE key = 'change_seq' AND old.dispatched_ms IS NOT NULL;
END;

CREATE TRIGGER work_orders_anchor_moved AFTER UPDATE OF sent_ms ON work_orders
    WHEN old.sent_ms IS NOT new.sent_ms
BEGIN
    INSERT INTO anchor_moves VALUES (old.sent_ms, new.seq);
END;
CREATE TRIGGER work_orders_deleted AFTER DELETE ON work_orders
BEGIN
    INSERT INTO anchor_moves
    SELECT old.sent_ms, CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq';
END;

CREATE TRIGGER callbacks_anchor_moved AFTER UPDATE OF called_ms ON callbacks
    WHEN old.called_ms IS NOT new.called_ms
BEGIN
    INSERT INTO anchor_moves VALUES (old.called_ms, new.seq);
END;
CREATE TRIGGER callbacks_deleted AFTER DELETE ON callbacks
BEGIN
    INSERT INTO anchor_moves
    SELECT old.called_ms, CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq';
END;

CREATE TRIGGER phone_intervals_anchor_moved AFTER UPDATE OF start_ms ON phone_intervals
    WHEN old.start_ms IS NOT new.start_ms
BEGIN
    INSERT INTO anchor_moves VALUES (old.start_ms, new.seq);
END;
CREATE TRIGGER phone_intervals_deleted AFTER DELETE ON phone_intervals
BEGIN
    INSERT INTO anchor_moves
    SELECT old.start_ms, CAST(value AS INTEGER) + 1 FROM meta WHERE key = 'change_seq';
END;
