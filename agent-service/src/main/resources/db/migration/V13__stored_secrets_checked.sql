-- Which revision of the secret rules (Checks.SECRET_RULES_REVISION) a stored config was last checked with: 0 for
-- those stored before configs were checked, or by a Warden older than this migration. At start, StoredSecrets (a
-- leader job, once per process) checks every config below the current revision, logs each secret found for rotation
-- and records the revision. Rows stored from now on are checked as they come in and say so.
ALTER TABLE agent_versions ADD COLUMN secrets_checked integer NOT NULL DEFAULT 0;
ALTER TABLE connector_bindings ADD COLUMN secrets_checked integer NOT NULL DEFAULT 0;
CREATE INDEX agent_versions_secrets_checked ON agent_versions (secrets_checked) WHERE config IS NOT NULL;
CREATE INDEX connector_bindings_secrets_checked ON connector_bindings (secrets_checked) WHERE config IS NOT NULL;
-- The job reads across organizations in platform scope; it writes each organization's rows in that organization's.
CREATE POLICY platform_read ON agent_versions FOR SELECT USING (warden_platform());
CREATE POLICY platform_read ON connector_bindings FOR SELECT USING (warden_platform());
