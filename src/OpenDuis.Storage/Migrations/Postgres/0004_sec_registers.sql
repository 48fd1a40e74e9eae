-- The security incident register (SEC G3.4-G3.5AA) and notices between Parties (M10): each record
-- is one JSON document (its duties, parties and rulings nest), with the columns it is found by.
CREATE TABLE security_incidents (
    id          TEXT PRIMARY KEY,
    detected_us BIGINT NOT NULL,
    document    TEXT NOT NULL
);

CREATE TABLE notices (
    id        TEXT PRIMARY KEY,
    recipient BIGINT NOT NULL,
    sent_us   BIGINT NOT NULL,
    document  TEXT NOT NULL
);
CREATE INDEX notices_recipient ON notices (recipient, sent_us);
