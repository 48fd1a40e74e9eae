-- A fault injected or cleared through one node (admin API, openduis fault) applies on the node that owns the
-- Device (issue 22): device_faults writes join the change feed (concern 'fault', key the Device ID) and its
-- NOTIFY, so every node reads the Device's fault again within a second.
CREATE TRIGGER device_faults_changed_i AFTER INSERT ON device_faults REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('fault', 'device_id');
CREATE TRIGGER device_faults_changed_u AFTER UPDATE ON device_faults REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('fault', 'device_id');
CREATE TRIGGER device_faults_changed_d AFTER DELETE ON device_faults REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION smi_changed('fault', 'device_id');
