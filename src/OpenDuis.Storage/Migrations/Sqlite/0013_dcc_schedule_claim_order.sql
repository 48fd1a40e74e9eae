-- DCC Schedules are claimed earliest first by (next_due_us, id): an index in that order lets a claim
-- read just the rows it takes instead of sorting every due row. (id is the rowid, so the index of
-- 0007 already held this order; it is named here as PostgreSQL's is.)
DROP INDEX dcc_schedules_due;
CREATE INDEX dcc_schedules_due ON dcc_schedules (next_due_us, id) WHERE next_due_us IS NOT NULL;
