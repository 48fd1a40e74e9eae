-- A DCC Schedule's occurrence is queued once (issue 22): a node that runs an occurrence again because the schedule's
-- lease ran out before the first run marked it done (that node stalled or died) finds it here and queues nothing,
-- whether the first run's command is still queued, executing or already answered. Keyed by the schedule and the
-- occurrence's Request ID (which carries its due time); forgotten with the request log's retention.
CREATE TABLE dcc_schedule_occurrences (
    schedule_id BIGINT NOT NULL,
    request_id  TEXT   NOT NULL,
    queued_us   BIGINT NOT NULL,
    PRIMARY KEY (schedule_id, request_id));
CREATE INDEX dcc_schedule_occurrences_queued ON dcc_schedule_occurrences (queued_us);
