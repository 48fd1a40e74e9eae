-- What each emulated Device holds (supply state, meter balance, tariff and prices, firmware, the count of its
-- events) as the network's JSON document, and its newest events in a ring (slot = seq modulo the events kept),
-- written with the Service Responses that report them: a restart reads them back instead of starting each
-- Device from the inventory. version counts the writes (PostgreSQL's nodes compare it; here one process writes).
CREATE TABLE device_states (
    device_id TEXT    PRIMARY KEY,
    version   INTEGER NOT NULL,
    state     TEXT    NOT NULL);
CREATE TABLE device_events (
    device_id  TEXT    NOT NULL,
    slot       INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    at_us      INTEGER NOT NULL,
    variant    TEXT    NOT NULL,
    request_id TEXT    NOT NULL,
    PRIMARY KEY (device_id, slot));
