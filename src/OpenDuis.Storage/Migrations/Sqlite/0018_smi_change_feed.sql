-- The change feed a running server follows to keep its in-memory view of the inventory current: every
-- write to Devices, Users (roles, certificates), Registration Data or the CPL, by any process (the CLI's
-- imports and `users endpoint` included), adds a row here in the same transaction, by trigger, so no
-- writer can forget it. SQLite has one writer at a time, so seq order is commit order.
CREATE TABLE smi_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    concern    TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    changed_us INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER))
);

CREATE TRIGGER devices_changed_i AFTER INSERT ON devices BEGIN INSERT INTO smi_changes (concern, key) VALUES ('device', CAST(NEW.id AS TEXT)); END;
CREATE TRIGGER devices_changed_u AFTER UPDATE ON devices BEGIN INSERT INTO smi_changes (concern, key) VALUES ('device', CAST(NEW.id AS TEXT)); END;
CREATE TRIGGER devices_changed_d AFTER DELETE ON devices BEGIN INSERT INTO smi_changes (concern, key) VALUES ('device', CAST(OLD.id AS TEXT)); END;

CREATE TRIGGER users_changed_i AFTER INSERT ON users BEGIN INSERT INTO smi_changes (concern, key) VALUES ('user', CAST(NEW.id AS TEXT)); END;
CREATE TRIGGER users_changed_u AFTER UPDATE ON users BEGIN INSERT INTO smi_changes (concern, key) VALUES ('user', CAST(NEW.id AS TEXT)); END;
CREATE TRIGGER users_changed_d AFTER DELETE ON users BEGIN INSERT INTO smi_changes (concern, key) VALUES ('user', CAST(OLD.id AS TEXT)); END;
CREATE TRIGGER user_roles_changed_i AFTER INSERT ON user_roles BEGIN INSERT INTO smi_changes (concern, key) VALUES ('user', CAST(NEW.user_id AS TEXT)); END;
CREATE TRIGGER user_roles_changed_d AFTER DELETE ON user_roles BEGIN INSERT INTO smi_changes (concern, key) VALUES ('user', CAST(OLD.user_id AS TEXT)); END;
CREATE TRIGGER user_certificates_changed_i AFTER INSERT ON user_certificates BEGIN INSERT INTO smi_changes (concern, key) VALUES ('user', CAST(NEW.user_id AS TEXT)); END;
CREATE TRIGGER user_certificates_changed_d AFTER DELETE ON user_certificates BEGIN INSERT INTO smi_changes (concern, key) VALUES ('user', CAST(OLD.user_id AS TEXT)); END;

CREATE TRIGGER registrations_changed_i AFTER INSERT ON registrations BEGIN INSERT INTO smi_changes (concern, key) VALUES ('registration', NEW.mpxn || '|' || NEW.role); END;
CREATE TRIGGER registrations_changed_u AFTER UPDATE ON registrations BEGIN INSERT INTO smi_changes (concern, key) VALUES ('registration', NEW.mpxn || '|' || NEW.role); END;
CREATE TRIGGER registrations_changed_d AFTER DELETE ON registrations BEGIN INSERT INTO smi_changes (concern, key) VALUES ('registration', OLD.mpxn || '|' || OLD.role); END;

CREATE TRIGGER cpl_changed_i AFTER INSERT ON cpl BEGIN INSERT INTO smi_changes (concern, key) VALUES ('product', ''); END;
CREATE TRIGGER cpl_changed_u AFTER UPDATE ON cpl BEGIN INSERT INTO smi_changes (concern, key) VALUES ('product', ''); END;
CREATE TRIGGER cpl_changed_d AFTER DELETE ON cpl BEGIN INSERT INTO smi_changes (concern, key) VALUES ('product', ''); END;
