-- Running nodes LISTEN on openduis_smi_changes and read the change feed as soon as a writer commits,
-- instead of at their next poll (kept as the version check). The notification is sent by the same
-- statement-level trigger that writes the feed, so no writer can forget it, and PostgreSQL delivers it
-- at commit; the payload is the schema, so nodes of other schemas in the database are not woken.
CREATE OR REPLACE FUNCTION smi_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO smi_changes (concern, key) SELECT DISTINCT %L, %s FROM changed', TG_ARGV[0], TG_ARGV[1]);
    PERFORM pg_notify('openduis_smi_changes', current_schema());
    RETURN NULL;
END $$;
