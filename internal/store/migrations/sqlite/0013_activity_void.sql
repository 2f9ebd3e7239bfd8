-- An activity entered by mistake is voided (作废), never deleted: who voided
-- it, when and why stay on the record, and its linked recordings stay linked.
-- voided_at is NULL while the activity stands.
ALTER TABLE activities ADD COLUMN voided_by TEXT NOT NULL DEFAULT '';
ALTER TABLE activities ADD COLUMN voided_at BIGINT;
ALTER TABLE activities ADD COLUMN void_reason TEXT NOT NULL DEFAULT '';

-- The findings list filters by officer numbers (a name typed in the
-- "警号或姓名" search resolves to the numbers of the accounts it names).
CREATE INDEX findings_officer ON findings(officer);
