-- Each emulated Device is owned by one node at a time (issue 22), so its state (registers, supply, balance,
-- tariff, firmware, event log) lives in one process: the node that first queues a command for a Device no
-- live node owns takes its lease, renews it with its commands' leases, and loses it only when it stops
-- renewing (it died). A command admitted by another node is handed to the owner through device_commands
-- (handed: queued for the owner, not yet in its hands); the owner is woken by NOTIFY on
-- openduis_device_commands (payload: the schema) and polls besides.
CREATE TABLE device_leases (
    device_id      TEXT   PRIMARY KEY,
    owner          TEXT   NOT NULL,
    lease_until_us BIGINT NOT NULL);
CREATE INDEX device_leases_owner ON device_leases (owner);
CREATE INDEX device_leases_until ON device_leases (lease_until_us);
ALTER TABLE device_commands ADD COLUMN handed BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX device_commands_handed ON device_commands (owner) WHERE handed;
