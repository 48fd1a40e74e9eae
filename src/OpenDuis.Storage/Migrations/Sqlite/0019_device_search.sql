-- The operator console finds Devices by UPRN and by SMI Status (by MPxN through devices_mpxn) among
-- a million: look-ups instead of a scan. (smi_status, id) gives a status's first page in Device ID order.
CREATE INDEX devices_uprn ON devices (uprn);
CREATE INDEX devices_status ON devices (smi_status, id);
