-- Organizations span tenants: the platform scope sees them all, a member sees only its own.
CREATE TABLE organizations (
    id         uuid PRIMARY KEY,
    name       text        NOT NULL UNIQUE,
    status     text        NOT NULL CHECK (status IN ('active', 'disabled')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY organization_visibility ON organizations
    USING (id = warden_current_org() OR warden_platform())
    WITH CHECK (warden_platform());

CREATE TABLE api_keys (
    id            uuid PRIMARY KEY,
    org_id        uuid        NOT NULL REFERENCES organizations (id),
    name          text        NOT NULL,
    role          text        NOT NULL,
    secret_sha256 text        NOT NULL UNIQUE,
    prefix        text        NOT NULL,
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz,
    created_at    timestamptz NOT NULL,
    created_by    text
);
CREATE INDEX api_keys_org_created ON api_keys (org_id, created_at, id);
CALL warden_protect('api_keys');

CREATE TABLE agents (
    id                        uuid PRIMARY KEY,
    org_id                    uuid        NOT NULL REFERENCES organizations (id),
    name                      text        NOT NULL,
    description               text,
    owner_id                  text,
    runtime                   text        NOT NULL,
    image_uri                 text,
    status                    text        NOT NULL CHECK (status IN ('inactive', 'active', 'suspended', 'error')),
    version                   integer     NOT NULL DEFAULT 0,
    declared_intent           jsonb,
    declared_intent_signed_by text,
    declared_intent_signed_at timestamptz,
    declared_intent_digest    text,
    agent_type                text        NOT NULL,
    risk_config               jsonb       NOT NULL,
    capabilities              jsonb       NOT NULL,
    mcp_integration           jsonb       NOT NULL,
    notifications             jsonb       NOT NULL,
    tags                      text[]      NOT NULL DEFAULT '{}',
    metadata                  jsonb       NOT NULL DEFAULT '{}',
    revision                  bigint      NOT NULL,
    created_at                timestamptz NOT NULL,
    created_by                text,
    updated_at                timestamptz NOT NULL,
    updated_by                text
);
CREATE INDEX agents_org_created ON agents (org_id, created_at, id);
CREATE INDEX agents_org_updated ON agents (org_id, updated_at);
CALL warden_protect('agents');

CREATE TABLE agent_versions (
    id          uuid PRIMARY KEY,
    org_id      uuid        NOT NULL,
    agent_id    uuid        NOT NULL REFERENCES agents (id),
    version     integer     NOT NULL CHECK (version > 0),
    image_uri   text        NOT NULL,
    config      jsonb,
    deployed_by text,
    notes       text,
    created_at  timestamptz NOT NULL,
    UNIQUE (agent_id, version)
);
CALL warden_protect('agent_versions');

CREATE TABLE connector_bindings (
    id         uuid PRIMARY KEY,
    org_id     uuid        NOT NULL,
    agent_id   uuid        NOT NULL REFERENCES agents (id),
    connector  text        NOT NULL,
    name       text,
    config     jsonb,
    created_by text,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX connector_bindings_unique ON connector_bindings (agent_id, connector, coalesce(name, ''));
CALL warden_protect('connector_bindings');

CREATE TABLE policies (
    id          uuid PRIMARY KEY,
    org_id      uuid        NOT NULL,
    name        text        NOT NULL,
    description text,
    enforcement text        NOT NULL CHECK (enforcement IN ('enforce', 'monitor')),
    rules       jsonb       NOT NULL,
    version     integer     NOT NULL,
    created_at  timestamptz NOT NULL,
    created_by  text,
    updated_at  timestamptz NOT NULL,
    updated_by  text,
    UNIQUE (org_id, name)
);
CREATE INDEX policies_org_created ON policies (org_id, created_at, id);
CALL warden_protect('policies');

-- Every version a policy ever had; kept when the policy is removed.
CREATE TABLE policy_versions (
    org_id      uuid        NOT NULL,
    policy_id   uuid        NOT NULL,
    version     integer     NOT NULL,
    name        text        NOT NULL,
    description text,
    enforcement text        NOT NULL,
    rules       jsonb       NOT NULL,
    created_at  timestamptz NOT NULL,
    created_by  text,
    PRIMARY KEY (policy_id, version)
);
CALL warden_protect('policy_versions');

CREATE TABLE policy_bindings (
    org_id     uuid        NOT NULL,
    policy_id  uuid        NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
    agent_id   uuid        NOT NULL REFERENCES agents (id),
    created_at timestamptz NOT NULL,
    created_by text,
    PRIMARY KEY (policy_id, agent_id)
);
CREATE INDEX policy_bindings_agent ON policy_bindings (agent_id);
CALL warden_protect('policy_bindings');
