-- DCC Schedules (DUIS 5.1-5.3): the accepted definition and the next occurrence to run.
-- Instants are microseconds since the Unix epoch (UTC); next_due_us is NULL once the schedule has ended.
CREATE TABLE dcc_schedules (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner             TEXT     NOT NULL,
    owner_role        TEXT     NOT NULL,
    device_id         TEXT     NOT NULL,
    scheduled_variant TEXT     NOT NULL,
    frequency         TEXT     NOT NULL,
    start_date        TEXT     NOT NULL,
    end_date          TEXT     NULL,
    execution_ticks   BIGINT   NOT NULL,
    body_xml          TEXT     NOT NULL,
    ka_credential     BYTEA    NULL,
    created_us        BIGINT   NOT NULL,
    next_due_us       BIGINT   NULL,
    lease_until_us    BIGINT   NOT NULL DEFAULT 0
);
CREATE INDEX dcc_schedules_due ON dcc_schedules (next_due_us) WHERE next_due_us IS NOT NULL;
CREATE INDEX dcc_schedules_device ON dcc_schedules (device_id);
