-- The SMKI Repository service-desk log (Appendix P 2.2): one JSON document per request with what was provided.
CREATE TABLE service_desk_requests (
    id          TEXT PRIMARY KEY,
    received_us INTEGER NOT NULL,
    document    TEXT NOT NULL
);
