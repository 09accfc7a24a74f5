-- The stages a record's source does not record at all (its export has no such column), as
-- the bits of core::model::Unrecorded. 0, every stage recorded, is what every record
-- written before this migration had assumed.
ALTER TABLE incidents ADD COLUMN unrecorded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE work_orders ADD COLUMN unrecorded INTEGER NOT NULL DEFAULT 0;
