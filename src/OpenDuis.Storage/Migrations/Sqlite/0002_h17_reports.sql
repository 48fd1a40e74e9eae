-- SEC H17 MAP/Manufacturer reports: requesters (H17.2 status, H17.3 accepted evidence) and the requests accepted (H17.4).
CREATE TABLE h17_requesters (
    requester            TEXT    NOT NULL,
    capacity             TEXT    NOT NULL,
    is_party             INTEGER NOT NULL,
    sesa_signatory       INTEGER NOT NULL,
    evidence_accepted_us INTEGER,
    meter_asset_provider INTEGER,
    manufacturer         TEXT,
    PRIMARY KEY (requester, capacity)
) WITHOUT ROWID;

CREATE TABLE h17_requests (
    id           INTEGER PRIMARY KEY,
    requester    TEXT    NOT NULL,
    capacity     TEXT    NOT NULL,
    frequency    TEXT    NOT NULL,
    requested_us INTEGER NOT NULL,
    generated_us INTEGER,
    meters       INTEGER,
    file         TEXT,
    FOREIGN KEY (requester, capacity) REFERENCES h17_requesters (requester, capacity)
);
CREATE INDEX h17_requests_requester ON h17_requests (requester, capacity, requested_us);

-- A report finds each Smart Meter's Communications Hub through the Device Log, by device.
CREATE INDEX device_log_device ON device_log (device_id);
