-- Seed 004's realms: named groups of an organization's agents ({id, name, slug, color}), and the agent fields that
-- seed 004's directory shows (its realm and its language model).

CREATE TABLE realms (
    id         uuid PRIMARY KEY,
    org_id     uuid        NOT NULL REFERENCES organizations (id),
    name       text        NOT NULL,
    slug       text        NOT NULL,
    color      text        NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text,
    updated_at timestamptz NOT NULL,
    updated_by text
);
-- A slug names one realm of an organization.
CREATE UNIQUE INDEX realms_org_slug ON realms (org_id, slug);
-- The list's order (oldest first) and updated_since.
CREATE INDEX realms_org_created ON realms (org_id, created_at, id);
CREATE INDEX realms_org_updated ON realms (org_id, updated_at);
CALL warden_protect('realms');

-- A realm with agents in it cannot be removed (the service answers 409; the key is the last line).
ALTER TABLE agents ADD COLUMN realm uuid REFERENCES realms (id);
CREATE INDEX agents_realm ON agents (realm) WHERE realm IS NOT NULL;
ALTER TABLE agents ADD COLUMN llm_provider text;
ALTER TABLE agents ADD COLUMN llm_model text;
ALTER TABLE agents ADD COLUMN llm_system_prompt text;
