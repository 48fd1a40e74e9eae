-- One row per node, rewritten every few seconds by the storage probe: a cheap real write, so that a
-- database that stops taking writes is seen (HTTP 503, /health failing) even while no request comes.
CREATE TABLE storage_heartbeat (
    node    TEXT   NOT NULL PRIMARY KEY,
    beat_us BIGINT NOT NULL);
