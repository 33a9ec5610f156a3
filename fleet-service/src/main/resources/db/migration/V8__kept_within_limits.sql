-- What an organization keeps, counted per kind against warden.limits.<kind> (db/warden V0_9, docs/security.md).
CALL warden_keep_count('fleet_instances', 'instances');
CALL warden_keep_count('fleet_enrollment_tokens', 'enrollment-tokens');
