-- Each record carries what its figures need, so the KPI engine can fold any changed row in
-- on its own: an incident the receive and answer times of the call that opened it
-- (processing time = dispatched − answered), a callback the zone it concerns.
ALTER TABLE incidents ADD COLUMN call_received_ms BIGINT;
ALTER TABLE incidents ADD COLUMN call_answered_ms BIGINT;
ALTER TABLE callbacks ADD COLUMN zone TEXT;

UPDATE incidents SET
    call_received_ms = (SELECT MIN(c.received_ms) FROM calls c
                        WHERE c.source = incidents.source AND c.incident_id = incidents.source_id AND NOT c.duplicate),
    call_answered_ms = (SELECT c.answered_ms FROM calls c
                        WHERE c.source = incidents.source AND c.incident_id = incidents.source_id AND NOT c.duplicate
                        ORDER BY c.received_ms LIMIT 1);
UPDATE callbacks SET zone = (SELECT i.zone FROM incidents i
                             WHERE i.source = callbacks.source AND i.source_id = callbacks.incident_id)
WHERE incident_id IS NOT NULL;
UPDATE callbacks SET zone = (SELECT w.zone FROM work_orders w
                             WHERE w.source = callbacks.source AND w.source_id = callbacks.work_order_id)
WHERE work_order_id IS NOT NULL;
