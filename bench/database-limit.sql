-- One device request's work in PostgreSQL, as an OpenDUIS node does it (the statements of
-- src/OpenDuis.Storage: request log, device command queue, outbox), for pgbench
-- (bench/database-limit.sh). Three commits per request where the nodes, batching, made 2.2-2.4.
\set c random(1, 9000000000000000)
-- Admission: the claim (E55; a savepoint per claim) and the accepted command, in one transaction.
BEGIN;
SAVEPOINT claim;
INSERT INTO request_log (request_id, variant, command_variant, preceding, first_in_sequence, received_us, state, ends_sequence, owner)
  VALUES ('90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:' || :c, '4.1.1', 1, NULL, 0, (extract(epoch FROM clock_timestamp()) * 1e6)::bigint, 'InProgress', 0, 'bench')
  ON CONFLICT (request_id) DO UPDATE SET variant = excluded.variant, command_variant = excluded.command_variant, preceding = excluded.preceding,
    first_in_sequence = excluded.first_in_sequence, received_us = excluded.received_us, state = excluded.state, ends_sequence = excluded.ends_sequence, owner = excluded.owner
  WHERE request_log.state <> 'InProgress' OR request_log.received_us < 0 RETURNING request_id;
RELEASE SAVEPOINT claim;
INSERT INTO device_commands (request_id, accepted_us, sender, schedule_id, request_xml, owner, lease_until_us)
  VALUES ('90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:' || :c, 1, '90-B3-D5-1F-30-01-00-00', NULL, decode(repeat(md5(random()::text), 68), 'hex'), 'bench', 0)
  ON CONFLICT (request_id, accepted_us) DO NOTHING;
COMMIT;
-- The device's Service Response into the outbox, and the command off the queue.
BEGIN;
INSERT INTO outbox (response_id, recipient, ordering_key, kind, body, created_at, next_attempt_at)
  VALUES ('bench-' || :c, '90-B3-D5-1F-30-01-00-00', '90-B3-D5-1F-30-01-00-00', 'ServiceResponse', decode(repeat(md5(random()::text), 64), 'hex'),
    (extract(epoch FROM clock_timestamp()) * 1000)::bigint, (extract(epoch FROM clock_timestamp()) * 1000)::bigint) RETURNING sequence AS seq \gset
DELETE FROM device_commands WHERE request_id = '90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:' || :c AND accepted_us = 1;
COMMIT;
-- The request's end (written behind), the delivery's lease (the leasing query once per 7, as the nodes' batches) and its end.
BEGIN;
INSERT INTO request_log (request_id, variant, command_variant, preceding, first_in_sequence, received_us, state, ends_sequence, owner)
  VALUES ('90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:' || :c, '4.1.1', 1, NULL, 0, (extract(epoch FROM clock_timestamp()) * 1e6)::bigint, 'Succeeded', 0, 'bench')
  ON CONFLICT (request_id) DO UPDATE SET variant = excluded.variant, command_variant = excluded.command_variant, preceding = excluded.preceding,
    first_in_sequence = excluded.first_in_sequence, received_us = excluded.received_us, state = excluded.state, ends_sequence = excluded.ends_sequence
  WHERE excluded.received_us >= request_log.received_us AND (request_log.owner IS NULL OR request_log.owner = excluded.owner);
\set batch random(1, 7)
\if :batch = 1
SELECT o.sequence FROM outbox o
  WHERE o.delivered_at IS NULL AND o.next_attempt_at <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint AND o.lease_until <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint
  AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.ordering_key = o.ordering_key AND p.delivered_at IS NULL AND p.sequence < o.sequence)
  ORDER BY o.sequence LIMIT 64 FOR UPDATE OF o SKIP LOCKED;
\endif
UPDATE outbox SET lease_until = (extract(epoch FROM clock_timestamp()) * 1000)::bigint + 30000 WHERE sequence = :seq;
UPDATE outbox SET delivered_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint, attempts = attempts + 1, lease_until = 0 WHERE sequence = :seq;
COMMIT;
