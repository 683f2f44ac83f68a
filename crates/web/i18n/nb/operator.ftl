# The operator console: tenants, quotas, health, federation links.
