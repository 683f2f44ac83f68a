# The tenant's own rules: classification scheme, retention per level, keys.
