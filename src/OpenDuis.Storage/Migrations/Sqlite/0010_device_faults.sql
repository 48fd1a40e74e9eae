-- Faults injected on devices of the emulated SM WAN (admin API, openduis fault), kept across a restart
-- of the server: the mode and its parameter as the admin API takes them.
CREATE TABLE device_faults (
    device_id  TEXT    NOT NULL PRIMARY KEY,
    mode       TEXT    NOT NULL,
    parameter  TEXT    NULL,
    set_us     INTEGER NOT NULL);
