-- The emulated Devices' own GBCS keys, shared by every node (issue 22): the demo Device CA that issues their Device
-- Certificates (one row, inserted once: the first node to insert it wins), each Device's bundle (PEM: DS certificate,
-- DS private key, KA certificate, KA private key; inserted once, ON CONFLICT DO NOTHING, then read back, so a Device
-- issued keys by two nodes at once has the first's everywhere) with its certificates' serials for the SMKI
-- Repository, and the Originator Counter of each Device's last Alert (raised in one statement, never lowered).
-- The private keys are secrets: access to this database must be restricted as to the key folder.
CREATE TABLE device_key_ca (
    id         SMALLINT PRIMARY KEY CHECK (id = 1),
    pem        TEXT     NOT NULL,
    created_us BIGINT   NOT NULL);
CREATE TABLE device_keys (
    device_id  TEXT   PRIMARY KEY,
    bundle     TEXT   NOT NULL,
    ds_serial  TEXT   NOT NULL UNIQUE,
    ka_serial  TEXT   NOT NULL UNIQUE,
    issued_us  BIGINT NOT NULL);
CREATE TABLE device_alert_counters (
    device_id    TEXT           PRIMARY KEY,
    last_counter NUMERIC(20, 0) NOT NULL CHECK (last_counter BETWEEN 0 AND 18446744073709551615));
