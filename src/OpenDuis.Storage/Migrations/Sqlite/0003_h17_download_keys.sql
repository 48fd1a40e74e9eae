-- Keys with which an H17 report's recipient downloads its reports (H17.6); only their SHA-256 is kept.
CREATE TABLE h17_download_keys (
    key_hash  TEXT    PRIMARY KEY,
    requester TEXT    NOT NULL,
    capacity  TEXT    NOT NULL,
    issued_us INTEGER NOT NULL,
    FOREIGN KEY (requester, capacity) REFERENCES h17_requesters (requester, capacity)
);
