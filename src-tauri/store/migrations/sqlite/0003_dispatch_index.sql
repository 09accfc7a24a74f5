-- "Dispatches" count incidents by the time of their dispatch order, so the KPI engine reads
-- incidents by dispatched_ms as well as by created_ms.
CREATE INDEX incidents_dispatched ON incidents (dispatched_ms) WHERE dispatched_ms IS NOT NULL;
-- The overdue list reads open orders by time limit.
CREATE INDEX work_orders_open_due ON work_orders (due_ms) WHERE handled_ms IS NULL AND returned_ms IS NULL;
