-- The durable command queue holds only the commands in flight (hundreds under load, none at rest), so the few
-- scans of it (a restart taking its commands back, the lease renewal every third of the lease) read it whole
-- as cheaply as through an index; but every command's insert and its deletion once answered also wrote the
-- pages of its owner and lease indexes. One node's SQLite drops them; PostgreSQL, shared by nodes, keeps them.
DROP INDEX IF EXISTS device_commands_lease;
DROP INDEX IF EXISTS device_commands_owner;
