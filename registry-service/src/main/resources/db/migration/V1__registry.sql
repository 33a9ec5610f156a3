-- registry-service's projection: what agent-service, audit-service, fleet-service and runner-service published, per
-- organization, under Row-Level Security. Nothing here is ever written by a request; the consumers keep it.

-- One row per agent: its newest snapshot (a higher revision replaces a lower one, never the reverse).
CREATE TABLE registry_agents (
    org_id               uuid        NOT NULL,
    agent_id             uuid        NOT NULL,
    -- Seed 002's integer id: the projection's own.
    seq                  bigint      GENERATED ALWAYS AS IDENTITY,
    revision             bigint      NOT NULL,
    name                 text        NOT NULL,
    description          text,
    status               text        NOT NULL,
    runtime              text        NOT NULL,
    version              integer     NOT NULL,
    owner_id             text,
    agent_type           text        NOT NULL,
    risk_config          jsonb       NOT NULL,
    capabilities         jsonb       NOT NULL,
    mcp_integration      jsonb       NOT NULL,
    notifications        jsonb       NOT NULL,
    tags                 text[]      NOT NULL,
    metadata             jsonb       NOT NULL,
    created_at           timestamptz NOT NULL,
    created_by           text,
    updated_at           timestamptz NOT NULL,
    updated_by           text,
    approved_at          timestamptz,
    approved_by          text,
    did                  text,
    public_key           text,
    granted_capabilities text[]      NOT NULL,
    realm                uuid,
    llm_provider         text,
    llm_model            text,
    llm_system_prompt    text,
    PRIMARY KEY (org_id, agent_id)
);
CREATE UNIQUE INDEX registry_agents_seq ON registry_agents (seq);
CREATE INDEX registry_agents_org_created ON registry_agents (org_id, created_at, agent_id);
CREATE INDEX registry_agents_org_status ON registry_agents (org_id, status, created_at, agent_id);
CREATE INDEX registry_agents_org_did ON registry_agents (org_id, did) WHERE did IS NOT NULL;
CALL warden_protect('registry_agents');

-- Counts kept as events arrive (never counted on a request). An agent's counts may arrive before its snapshot.
CREATE TABLE registry_agent_stats (
    org_id                   uuid    NOT NULL,
    agent_id                 uuid    NOT NULL,
    connector_count          integer NOT NULL DEFAULT 0,
    policy_count             integer NOT NULL DEFAULT 0,
    audit_action_count       bigint  NOT NULL DEFAULT 0,
    drift_event_count        bigint  NOT NULL DEFAULT 0,
    compliance_package_count bigint  NOT NULL DEFAULT 0,
    last_activity            timestamptz,
    last_drift_at            timestamptz,
    -- From warden.executions.v1: the newest finished run.
    last_execution_status    text,
    last_execution_at        timestamptz,
    -- From warden.fleet.v1: the agent's instances by liveness, and the newest heartbeat of any.
    instances_online         integer NOT NULL DEFAULT 0,
    instances_stale          integer NOT NULL DEFAULT 0,
    instances_offline        integer NOT NULL DEFAULT 0,
    last_seen                timestamptz,
    PRIMARY KEY (org_id, agent_id)
);
CALL warden_protect('registry_agent_stats');

-- Fleet instances as their last transition left them (deregistered ones stay, uncounted); a transition older than
-- the stored one changes nothing.
CREATE TABLE registry_instances (
    org_id         uuid        NOT NULL,
    instance_id    text        NOT NULL,
    agent_id       uuid,
    state          text        NOT NULL,
    last_heartbeat timestamptz,
    at             timestamptz NOT NULL,
    PRIMARY KEY (org_id, instance_id)
);
CREATE INDEX registry_instances_agent ON registry_instances (org_id, agent_id);
CALL warden_protect('registry_instances');

-- The members of the sets the counts above count, so a redelivered bind or unbind changes nothing.
CREATE TABLE registry_connectors (
    org_id     uuid NOT NULL,
    binding_id uuid NOT NULL,
    agent_id   uuid NOT NULL,
    PRIMARY KEY (org_id, binding_id)
);
CALL warden_protect('registry_connectors');

CREATE TABLE registry_policy_bindings (
    org_id    uuid NOT NULL,
    policy_id uuid NOT NULL,
    agent_id  uuid NOT NULL,
    PRIMARY KEY (org_id, policy_id, agent_id)
);
CALL warden_protect('registry_policy_bindings');

CREATE TABLE registry_drift (
    org_id      uuid        NOT NULL,
    id          uuid        NOT NULL,
    agent_id    uuid        NOT NULL,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX registry_drift_recent ON registry_drift (org_id, occurred_at);
CALL warden_protect('registry_drift');

CREATE TABLE registry_compliance (
    org_id   uuid NOT NULL,
    id       uuid NOT NULL,
    agent_id uuid NOT NULL,
    PRIMARY KEY (org_id, id)
);
CALL warden_protect('registry_compliance');

-- How far each organization's audit chain has been counted: entries arrive in sequence order per organization, so
-- one at or below it is a redelivery.
CREATE TABLE registry_audit_progress (
    org_id   uuid   NOT NULL PRIMARY KEY,
    sequence bigint NOT NULL
);
CALL warden_protect('registry_audit_progress');

-- Seed 004's realms.
CREATE TABLE registry_realms (
    org_id uuid NOT NULL,
    id     uuid NOT NULL,
    name   text NOT NULL,
    slug   text NOT NULL,
    color  text NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX registry_realms_slug ON registry_realms (org_id, slug);
CALL warden_protect('registry_realms');

-- Registrations still waiting for a decision (a governance gap the summary names).
CREATE TABLE registry_pending_registrations (
    org_id       uuid        NOT NULL,
    id           uuid        NOT NULL,
    name         text        NOT NULL,
    requested_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, id)
);
CALL warden_protect('registry_pending_registrations');
