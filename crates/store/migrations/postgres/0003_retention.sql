-- Where the retention job stopped. It walks the trash, the versions and the
-- live files in bounded batches, each batch one transaction that also moves
-- this cursor, so after a restart it resumes where it was.
CREATE TABLE retention_cursor (
    name     TEXT COLLATE "C" PRIMARY KEY,
    position TEXT NOT NULL
);
