-- Directory, credentials, sessions: typed documents keyed by (kind, key).
-- Every key, name and path column compares bytewise (COLLATE "C"), as
-- SQLite does, whatever the database's default collation: listings,
-- range scans over paths and keyset cursors depend on that order.
CREATE TABLE objects (
    kind    TEXT COLLATE "C" NOT NULL,
    key     TEXT COLLATE "C" NOT NULL,
    tenant  TEXT COLLATE "C" NOT NULL,
    owner   TEXT COLLATE "C",
    body    TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX objects_by_owner ON objects (kind, owner) WHERE owner IS NOT NULL;
CREATE INDEX objects_by_tenant ON objects (kind, tenant);

-- The audit chain: one append-only sequence per tenant.
CREATE TABLE audit (
    tenant   TEXT COLLATE "C" NOT NULL,
    seq      BIGINT NOT NULL,
    time     TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    decision TEXT NOT NULL,
    record   TEXT NOT NULL,
    hash     TEXT NOT NULL,
    PRIMARY KEY (tenant, seq)
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
-- Row triggers do not fire for TRUNCATE; refuse that too.
CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

CREATE TABLE audit_checkpoints (
    tenant TEXT COLLATE "C" NOT NULL,
    seq    BIGINT NOT NULL,
    body   TEXT NOT NULL,
    PRIMARY KEY (tenant, seq)
);
