-- Fencing (issue 22): each change of a Device's owner gives its lease a new epoch from one sequence, so an epoch
-- is never reused, even for a Device whose lease row was deleted (a node that stopped gracefully) and taken again.
-- A node writes as the Device's owner (its Service Responses and failure alerts to the outbox) only while the
-- lease row still holds its name and the epoch it took the command under, checked in the same transaction with
-- the row locked FOR SHARE: a node stalled past its lease finds the epoch changed, writes nothing and steps down.
CREATE SEQUENCE device_lease_epochs;
ALTER TABLE device_leases ADD COLUMN epoch BIGINT NOT NULL DEFAULT nextval('device_lease_epochs');
-- The Device a queued command is for (the target of its Request ID), so that a Device with a command in flight
-- is known at once: only idle Devices move when nodes rebalance, or when a dead node's leases are swept.
ALTER TABLE device_commands ADD COLUMN device_id TEXT GENERATED ALWAYS AS (split_part(request_id, ':', 2)) STORED;
CREATE INDEX device_commands_device ON device_commands (device_id);
