-- What an organization keeps, counted per kind against warden.limits.<kind> (db/warden V0_9, docs/security.md).
CALL warden_keep_count('agents', 'agents');
CALL warden_keep_count('agent_versions', 'agent-versions');
CALL warden_keep_count('connector_bindings', 'connector-bindings');
CALL warden_keep_count('policies', 'policies');
CALL warden_keep_count('policy_versions', 'policy-versions');
CALL warden_keep_count('policy_bindings', 'policy-bindings');
CALL warden_keep_count('api_keys', 'api-keys');
CALL warden_keep_count('realms', 'realms');
CALL warden_keep_count('registration_rules', 'registration-rules');
CALL warden_keep_count('registrations', 'registrations');
