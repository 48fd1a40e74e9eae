-- Future Dated (DSP) requests the DCC holds until their execution date-time (DUIS 3.4.2), kept across
-- a restart of the server: the accepted request's XML, its sender and when it is due.
CREATE TABLE held_requests (
    request_id   TEXT   NOT NULL PRIMARY KEY,
    sender       TEXT   NOT NULL,
    accepted_us  BIGINT NOT NULL,
    execute_us   BIGINT NOT NULL,
    schedule_id  BIGINT NULL,
    request_xml  BYTEA  NOT NULL);
CREATE INDEX held_requests_due ON held_requests (execute_us);
