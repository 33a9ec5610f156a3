-- Fleet instances' credentials, learnt from warden.fleet.v1 (registered: the SHA-256 and the agent; deregistered:
-- revoked), so that an instance may report actions for its own agent only. Looked up by hash in the platform scope.
CREATE TABLE audit_instance_credentials (
    credential_sha256 text    PRIMARY KEY,
    org_id            uuid    NOT NULL,
    instance_id       text    NOT NULL,
    agent_id          uuid,
    revoked           boolean NOT NULL DEFAULT false
);
CALL warden_protect('audit_instance_credentials');
CREATE POLICY instance_credentials_platform_read ON audit_instance_credentials FOR SELECT USING (warden_platform());
CREATE INDEX audit_instance_credentials_instance ON audit_instance_credentials (org_id, instance_id);
