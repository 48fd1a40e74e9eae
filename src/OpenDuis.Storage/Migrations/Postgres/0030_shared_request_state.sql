-- What several nodes on one database must share beyond the request log (issue 22).
-- The Pre-Commands issued by Transforms (CV 4): a Signed Pre-Command is correlated with its Pre-Command
-- (E51) whichever node issued it; keyed by the Transform's Request ID (originator, Device, GBCS counter).
CREATE TABLE issued_pre_commands (
    transform_id   TEXT    PRIMARY KEY,
    schema_version TEXT    NOT NULL,
    command_variant INTEGER NOT NULL,
    service_reference TEXT NOT NULL,
    variant        TEXT    NOT NULL,
    body           BYTEA   NOT NULL,
    body_length    INTEGER NOT NULL,
    use_case       TEXT    NOT NULL,
    message_code   INTEGER NOT NULL,
    issued_us      BIGINT  NOT NULL);
CREATE INDEX issued_pre_commands_issued ON issued_pre_commands (issued_us);
-- Each starting node takes a number; the ResponseIDs it originates (DCC Alerts, SMETS1 Device alerts) carry it
-- in their counter's low ten bits, so two nodes never originate the same ResponseID.
CREATE SEQUENCE node_numbers;
