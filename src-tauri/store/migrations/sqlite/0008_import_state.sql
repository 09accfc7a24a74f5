-- An import is running, finished, or interrupted: stopped by an error (said in `note`) or
-- by its process dying (kill -9, a power cut), which nobody is left to record. A running
-- import beats `heartbeat_ms` (SQLite's clock) at every batch; the next import marks one
-- silent for long as interrupted, so none is left "running" forever.
ALTER TABLE imports ADD COLUMN status TEXT NOT NULL DEFAULT 'running'
    CHECK (status IN ('running', 'finished', 'interrupted'));
ALTER TABLE imports ADD COLUMN heartbeat_ms BIGINT;
ALTER TABLE imports ADD COLUMN note TEXT;
UPDATE imports SET status = 'finished' WHERE finished_ms IS NOT NULL;
UPDATE imports SET status = 'interrupted', note = 'never finished (started before imports kept their state)'
    WHERE finished_ms IS NULL;

-- A problem is logged once: importing the same file again (or a grown file whose earlier
-- lines are as they were) finds it already there. A problem is its place (file, line,
-- column) and its reason.
DELETE FROM data_quality WHERE id NOT IN (
    SELECT MIN(id) FROM data_quality
    GROUP BY source, COALESCE(file, ''), COALESCE(line, -1), COALESCE(column_name, ''), reason
);
CREATE UNIQUE INDEX data_quality_once ON data_quality (
    source, COALESCE(file, ''), COALESCE(line, -1), COALESCE(column_name, ''), reason
);
