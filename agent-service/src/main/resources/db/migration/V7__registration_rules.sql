-- Issue 9, beyond seed 004: rules that approve registrations without an admin, the facts they match on (the agent
-- type a registration asks for and the risk score of its requested capabilities), pending registrations that expire,
-- and intents the agent signed itself (a detached JWS over the manifest's RFC 8785 form).

ALTER TABLE registrations ADD COLUMN agent_type text;
ALTER TABLE registrations ADD COLUMN risk_score integer NOT NULL DEFAULT 0;
ALTER TABLE registrations ADD COLUMN rule_id uuid;
ALTER TABLE registrations DROP CONSTRAINT registrations_status_check;
ALTER TABLE registrations ADD CONSTRAINT registrations_status_check
    CHECK (status IN ('pending', 'approved', 'rejected', 'expired'));
-- An expired registration frees its key, like a rejected one.
DROP INDEX registrations_org_key_open;
CREATE UNIQUE INDEX registrations_org_key_open ON registrations (org_id, public_key) WHERE status IN ('pending', 'approved');

CREATE TABLE registration_rules (
    id             uuid PRIMARY KEY,
    org_id         uuid        NOT NULL REFERENCES organizations (id),
    name           text        NOT NULL,
    capabilities   text[]      NOT NULL,
    agent_type     text,
    max_risk_score integer CHECK (max_risk_score BETWEEN 0 AND 100),
    created_at     timestamptz NOT NULL,
    created_by     text        NOT NULL
);
CREATE UNIQUE INDEX registration_rules_org_name ON registration_rules (org_id, name);
CREATE INDEX registration_rules_org_created ON registration_rules (org_id, created_at, id);
CALL warden_protect('registration_rules');

ALTER TABLE agents ADD COLUMN declared_intent_jws text;

-- Open registration: an organization's admin may let agents register without a credential
-- (POST /v1/agents/register?org=<organization name or id>), rate-limited per source address.
ALTER TABLE organizations ADD COLUMN open_registration boolean NOT NULL DEFAULT false;
