-- The change feed a running server follows to keep its in-memory view of the inventory current: every
-- write to Devices, Users (roles, certificates), Registration Data or the CPL, by any process or node
-- (the CLI's imports and `users endpoint` included), adds a row here in the same transaction, by
-- trigger, so no writer can forget it. Transactions commit out of seq order here, so a reader follows
-- the writing transaction's id against the snapshot it last read at, not seq.
CREATE TABLE smi_changes (
    seq        BIGSERIAL   PRIMARY KEY,
    xid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    concern    TEXT        NOT NULL,
    key        TEXT        NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX smi_changes_xid ON smi_changes (xid);
CREATE INDEX smi_changes_changed_at ON smi_changes (changed_at);

-- Statement-level, over the transition table: a bulk COPY of a million Devices adds its rows in one
-- INSERT … SELECT rather than a million trigger calls. TG_ARGV: the concern, then the key as an SQL expression.
CREATE FUNCTION smi_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO smi_changes (concern, key) SELECT DISTINCT %L, %s FROM changed', TG_ARGV[0], TG_ARGV[1]);
    RETURN NULL;
END $$;

CREATE TRIGGER devices_changed_i AFTER INSERT ON devices REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('device', 'id::text');
CREATE TRIGGER devices_changed_u AFTER UPDATE ON devices REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('device', 'id::text');
CREATE TRIGGER devices_changed_d AFTER DELETE ON devices REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('device', 'id::text');
CREATE TRIGGER users_changed_i AFTER INSERT ON users REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('user', 'id::text');
CREATE TRIGGER users_changed_u AFTER UPDATE ON users REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('user', 'id::text');
CREATE TRIGGER users_changed_d AFTER DELETE ON users REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('user', 'id::text');
CREATE TRIGGER user_roles_changed_i AFTER INSERT ON user_roles REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('user', 'user_id::text');
CREATE TRIGGER user_roles_changed_u AFTER UPDATE ON user_roles REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('user', 'user_id::text');
CREATE TRIGGER user_roles_changed_d AFTER DELETE ON user_roles REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('user', 'user_id::text');
CREATE TRIGGER user_certificates_changed_i AFTER INSERT ON user_certificates REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('user', 'user_id::text');
CREATE TRIGGER user_certificates_changed_u AFTER UPDATE ON user_certificates REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('user', 'user_id::text');
CREATE TRIGGER user_certificates_changed_d AFTER DELETE ON user_certificates REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('user', 'user_id::text');
CREATE TRIGGER registrations_changed_i AFTER INSERT ON registrations REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('registration', 'mpxn || ''|'' || role');
CREATE TRIGGER registrations_changed_u AFTER UPDATE ON registrations REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('registration', 'mpxn || ''|'' || role');
CREATE TRIGGER registrations_changed_d AFTER DELETE ON registrations REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('registration', 'mpxn || ''|'' || role');
CREATE TRIGGER cpl_changed_i AFTER INSERT ON cpl REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('product', '''''');
CREATE TRIGGER cpl_changed_u AFTER UPDATE ON cpl REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('product', '''''');
CREATE TRIGGER cpl_changed_d AFTER DELETE ON cpl REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('product', '''''');
