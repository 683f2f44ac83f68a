-- Drives: personal (one per principal) and team drives (owned by a group).
-- `body` is the drive document (members, quota, level); `used` is kept in
-- step with every content change in the same transaction.
CREATE TABLE drives (
    id      TEXT PRIMARY KEY,
    tenant  TEXT NOT NULL,
    slug    TEXT NOT NULL,
    body    TEXT NOT NULL,
    used    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant, slug)
);

-- Files and folders. `path` is the full path inside the drive ('/' is the
-- root, '/a/b' below it) and `parent` the path of the folder holding it, so
-- resolving a path is one lookup and a listing is one range of one index.
-- Trashed subtrees keep their rows, marked with their trash entry, and leave
-- the live namespace.
CREATE TABLE nodes (
    id       INTEGER PRIMARY KEY,
    drive    TEXT NOT NULL REFERENCES drives (id),
    path     TEXT NOT NULL,
    parent   TEXT NOT NULL,
    name     TEXT NOT NULL,
    dir      INTEGER NOT NULL,
    level    INTEGER NOT NULL,
    size     INTEGER NOT NULL DEFAULT 0,
    blob     TEXT,
    etag     TEXT NOT NULL,
    mime     TEXT,
    created  INTEGER NOT NULL,
    modified INTEGER NOT NULL,
    author   TEXT,
    props    TEXT,
    trash    TEXT
);
CREATE UNIQUE INDEX nodes_live_path ON nodes (drive, path) WHERE trash IS NULL;
CREATE INDEX nodes_live_children ON nodes (drive, parent, name) WHERE trash IS NULL;
CREATE INDEX nodes_trashed ON nodes (trash) WHERE trash IS NOT NULL;
CREATE INDEX nodes_blob ON nodes (blob) WHERE blob IS NOT NULL;

-- Earlier contents of a file, newest last.
CREATE TABLE versions (
    id       INTEGER PRIMARY KEY,
    node     INTEGER NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    blob     TEXT NOT NULL,
    size     INTEGER NOT NULL,
    etag     TEXT NOT NULL,
    modified INTEGER NOT NULL,
    author   TEXT,
    replaced INTEGER NOT NULL
);
CREATE INDEX versions_by_node ON versions (node, id);
CREATE INDEX versions_blob ON versions (blob);

-- One entry per deletion; the nodes of the deleted subtree point at it.
CREATE TABLE trash (
    id       TEXT PRIMARY KEY,
    drive    TEXT NOT NULL REFERENCES drives (id),
    node     INTEGER NOT NULL,
    path     TEXT NOT NULL,
    dir      INTEGER NOT NULL,
    size     INTEGER NOT NULL,
    deleted  INTEGER NOT NULL,
    by       TEXT NOT NULL
);
CREATE INDEX trash_by_drive ON trash (drive, deleted);

-- The change feed: what changed, in commit order, per drive.
CREATE TABLE changes (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    drive  TEXT NOT NULL,
    node   INTEGER,
    kind   TEXT NOT NULL,
    path   TEXT NOT NULL,
    from_path TEXT,
    dir    INTEGER NOT NULL,
    time   INTEGER NOT NULL
);
CREATE INDEX changes_by_drive ON changes (drive, seq);

-- Blobs no longer referenced by the metadata that pointed at them; a sweeper
-- deletes the files after checking no node or version still uses them.
CREATE TABLE blob_gc (
    blob  TEXT PRIMARY KEY,
    since INTEGER NOT NULL
);

-- WebDAV locks, in the database so that every node sees them.
CREATE TABLE locks (
    token      TEXT PRIMARY KEY,
    drive      TEXT NOT NULL,
    path       TEXT NOT NULL,
    principal  TEXT,
    owner      TEXT,
    timeout_at INTEGER,
    timeout_s  INTEGER,
    shared     INTEGER NOT NULL,
    deep       INTEGER NOT NULL
);
CREATE INDEX locks_by_drive ON locks (drive, path);

-- Shares of a file or folder with a principal, a group, or by link.
CREATE TABLE shares (
    id          TEXT PRIMARY KEY,
    tenant      TEXT NOT NULL,
    drive       TEXT NOT NULL REFERENCES drives (id),
    node        INTEGER NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL,
    target      TEXT NOT NULL,
    role        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created     INTEGER NOT NULL,
    expires     INTEGER,
    password    TEXT,
    token       TEXT UNIQUE
);
CREATE INDEX shares_by_drive ON shares (drive);
CREATE INDEX shares_by_target ON shares (target_kind, target);
CREATE INDEX shares_by_node ON shares (node);
