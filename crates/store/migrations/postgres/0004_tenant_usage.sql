-- Bytes stored per tenant: the sum of its drives' `used`, kept in step by
-- triggers in the same transaction as every change of a drive's `used`
-- (and as drives come and go), so enforcing a tenant's quota is one
-- primary-key read instead of a sum over all its drives.
CREATE TABLE tenant_usage (
    tenant TEXT COLLATE "C" PRIMARY KEY,
    used   BIGINT NOT NULL DEFAULT 0
);

INSERT INTO tenant_usage (tenant, used) SELECT tenant, SUM(used)::BIGINT FROM drives GROUP BY tenant;

CREATE FUNCTION drives_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE tenant_usage SET used = used - OLD.used WHERE tenant = OLD.tenant;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO tenant_usage (tenant, used) VALUES (NEW.tenant, NEW.used)
            ON CONFLICT (tenant) DO UPDATE SET used = tenant_usage.used + excluded.used;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER drives_usage_insert AFTER INSERT ON drives
    FOR EACH ROW EXECUTE FUNCTION drives_usage();
CREATE TRIGGER drives_usage_update AFTER UPDATE OF used, tenant ON drives
    FOR EACH ROW EXECUTE FUNCTION drives_usage();
CREATE TRIGGER drives_usage_delete AFTER DELETE ON drives
    FOR EACH ROW EXECUTE FUNCTION drives_usage();
