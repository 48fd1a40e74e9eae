-- Smart Metering Inventory, Central Products List, Parties/Users and Registration Data.
-- EUI-64 values are stored as 64-bit integers (bit pattern of the unsigned value); times as Unix microseconds (UTC).
CREATE TABLE devices (
    id                      INTEGER PRIMARY KEY,
    device_type             TEXT    NOT NULL,
    generation              TEXT    NOT NULL,
    smi_status              TEXT    NOT NULL,
    manufacturer            TEXT,
    model                   TEXT,
    firmware_version        TEXT,
    csp_region              TEXT,
    han_variant             TEXT,
    comms_hub               INTEGER,
    mpxn                    TEXT,
    uprn                    INTEGER,
    meter_asset_provider    INTEGER,
    smets1_service_provider INTEGER
);
CREATE INDEX devices_mpxn ON devices (mpxn);

CREATE TABLE device_status_history (
    device_id  INTEGER NOT NULL,
    from_status TEXT   NOT NULL,
    to_status  TEXT    NOT NULL,
    changed_us INTEGER NOT NULL
);
CREATE INDEX device_status_history_device ON device_status_history (device_id, changed_us);

CREATE TABLE device_log (
    hub_id    INTEGER NOT NULL,
    device_id INTEGER NOT NULL,
    added_us  INTEGER NOT NULL,
    PRIMARY KEY (hub_id, device_id)
) WITHOUT ROWID;

CREATE TABLE cpl (
    manufacturer       TEXT NOT NULL,
    model              TEXT NOT NULL,
    firmware_version   TEXT NOT NULL,
    device_type        TEXT NOT NULL,
    gbcs_version       TEXT NOT NULL,
    smets_chts_version TEXT NOT NULL,
    status             TEXT NOT NULL,
    PRIMARY KEY (manufacturer, model, firmware_version)
) WITHOUT ROWID;

CREATE TABLE parties (
    id     TEXT    PRIMARY KEY,
    name   TEXT    NOT NULL,
    is_dcc INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    party_id          TEXT    NOT NULL REFERENCES parties (id),
    status            TEXT    NOT NULL,
    response_endpoint TEXT,
    duis_version      TEXT    NOT NULL
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT    NOT NULL,
    PRIMARY KEY (user_id, role)
) WITHOUT ROWID;

CREATE TABLE user_certificates (
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    serial_number TEXT    NOT NULL,
    role_code     INTEGER NOT NULL,
    key_usage     TEXT    NOT NULL,
    name          TEXT,
    PRIMARY KEY (user_id, serial_number)
) WITHOUT ROWID;

CREATE TABLE registrations (
    mpxn              TEXT    NOT NULL,
    role              TEXT    NOT NULL,
    party_id          TEXT    NOT NULL,
    effective_from_us INTEGER NOT NULL,
    effective_to_us   INTEGER,
    PRIMARY KEY (mpxn, role, effective_from_us)
) WITHOUT ROWID;
