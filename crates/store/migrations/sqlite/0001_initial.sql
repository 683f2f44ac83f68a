-- Directory, credentials, sessions: typed documents keyed by (kind, key).
CREATE TABLE objects (
    kind    TEXT NOT NULL,
    key     TEXT NOT NULL,
    tenant  TEXT NOT NULL,
    owner   TEXT,
    body    TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE INDEX objects_by_owner ON objects (kind, owner) WHERE owner IS NOT NULL;
CREATE INDEX objects_by_tenant ON objects (kind, tenant);

-- The audit chain: one append-only sequence per tenant.
CREATE TABLE audit (
    tenant   TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    time     TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    decision TEXT NOT NULL,
    record   TEXT NOT NULL,
    hash     TEXT NOT NULL,
    PRIMARY KEY (tenant, seq)
) WITHOUT ROWID;
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE audit_checkpoints (
    tenant TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    body   TEXT NOT NULL,
    PRIMARY KEY (tenant, seq)
) WITHOUT ROWID;
