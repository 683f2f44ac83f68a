-- Bytes stored per tenant: the sum of its drives' `used`, kept in step by
-- triggers in the same transaction as every change of a drive's `used`
-- (and as drives come and go), so enforcing a tenant's quota is one
-- primary-key read instead of a sum over all its drives.
CREATE TABLE tenant_usage (
    tenant TEXT PRIMARY KEY,
    used   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO tenant_usage (tenant, used) SELECT tenant, SUM(used) FROM drives GROUP BY tenant;

CREATE TRIGGER drives_usage_insert AFTER INSERT ON drives
BEGIN
    INSERT INTO tenant_usage (tenant, used) VALUES (NEW.tenant, NEW.used)
        ON CONFLICT (tenant) DO UPDATE SET used = used + excluded.used;
END;

CREATE TRIGGER drives_usage_update AFTER UPDATE OF used, tenant ON drives
BEGIN
    UPDATE tenant_usage SET used = used - OLD.used WHERE tenant = OLD.tenant;
    INSERT INTO tenant_usage (tenant, used) VALUES (NEW.tenant, NEW.used)
        ON CONFLICT (tenant) DO UPDATE SET used = used + excluded.used;
END;

CREATE TRIGGER drives_usage_delete AFTER DELETE ON drives
BEGIN
    UPDATE tenant_usage SET used = used - OLD.used WHERE tenant = OLD.tenant;
END;
