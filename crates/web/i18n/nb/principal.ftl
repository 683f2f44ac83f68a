# One person or account in the tenant administration: edit, disable, delete, password reset, GDPR export and erasure.
