-- What each emulated Device holds (issue 22): its supply state, meter balance, tariff and prices, firmware, and
-- the count of its events, as the network's JSON document (device_states), and its newest events in a ring
-- (device_events: slot = seq modulo the events kept, so a new event replaces the oldest in place). Written in
-- the transaction of the Service Responses that report them, so a node that takes a Device over (after a crash,
-- or a hand-over) reads what the Device held instead of starting it from the inventory. version counts the
-- writes: a write is kept only over the version before, so a node whose copy is stale rereads it.
-- Both are rewritten for every command a Device executes: a fill factor below 100 leaves room on the page for
-- the new row version (a HOT update, no index entry written).
CREATE TABLE device_states (
    device_id TEXT   PRIMARY KEY,
    version   BIGINT NOT NULL,
    state     TEXT   NOT NULL) WITH (fillfactor = 70);
CREATE TABLE device_events (
    device_id  TEXT    NOT NULL,
    slot       INTEGER NOT NULL,
    seq        BIGINT  NOT NULL,
    at_us      BIGINT  NOT NULL,
    variant    TEXT    NOT NULL,
    request_id TEXT    NOT NULL,
    PRIMARY KEY (device_id, slot)) WITH (fillfactor = 70);
