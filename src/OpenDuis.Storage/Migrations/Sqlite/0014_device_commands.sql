-- The durable command queue: every device command acknowledged I99 and not yet ended (its Service
-- Response or failure alert not yet written), kept in the same transaction as its request-log entry so
-- that a restart executes it again or reports its failure. A command belongs to the node that queued it
-- (owner) while that node renews its lease; after a crash the node takes its own back, and another node
-- sharing the database takes it once the lease has run out.
CREATE TABLE device_commands (
    request_id     TEXT    NOT NULL,
    accepted_us    INTEGER  NOT NULL,
    sender         TEXT    NOT NULL,
    schedule_id    INTEGER  NULL,
    request_xml    BLOB    NOT NULL,
    owner          TEXT    NOT NULL,
    lease_until_us INTEGER  NOT NULL,
    PRIMARY KEY (request_id, accepted_us));
CREATE INDEX device_commands_lease ON device_commands (lease_until_us);
CREATE INDEX device_commands_owner ON device_commands (owner);
