-- Leases for background jobs that must run on one node at a time: `holder`
-- owns `name` until `until` (unix seconds); a lease past its time is free.
CREATE TABLE leases (
    name   TEXT COLLATE "C" PRIMARY KEY,
    holder TEXT COLLATE "C" NOT NULL,
    until  BIGINT NOT NULL
);
