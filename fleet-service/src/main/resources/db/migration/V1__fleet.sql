-- Fleet instances (seed 003's "agents"): running copies of governed agents that send heartbeats.
CREATE TABLE fleet_instances (
    id                    text        PRIMARY KEY,
    org_id                uuid        NOT NULL,
    agent_id              uuid,
    hostname              text        NOT NULL,
    os                    text        NOT NULL,
    version               text        NOT NULL,
    ip                    text        NOT NULL,
    tags                  text[]      NOT NULL DEFAULT '{}',
    status                text        NOT NULL CHECK (status IN ('online', 'stale', 'offline', 'deregistered')),
    cpu                   double precision,
    memory                double precision,
    uptime                double precision,
    active_policy_version integer,
    last_heartbeat        timestamptz NOT NULL,
    registered_at         timestamptz NOT NULL,
    status_changed_at     timestamptz NOT NULL,
    deregistered_at       timestamptz,
    credential_sha256     text        UNIQUE,
    enrolled_by           text        NOT NULL
);
CALL warden_protect('fleet_instances');
-- The liveness sweep (a leader job) and credential checks work across organizations, in the platform scope only.
CREATE POLICY instances_platform ON fleet_instances USING (warden_platform()) WITH CHECK (warden_platform());
-- Lists: by registration (the default order), hostname or last heartbeat, within an organization, live instances only.
CREATE INDEX fleet_instances_registered ON fleet_instances (org_id, registered_at, id) WHERE status <> 'deregistered';
CREATE INDEX fleet_instances_hostname ON fleet_instances (org_id, hostname, id) WHERE status <> 'deregistered';
CREATE INDEX fleet_instances_heartbeat ON fleet_instances (org_id, last_heartbeat, id) WHERE status <> 'deregistered';
CREATE INDEX fleet_instances_tags ON fleet_instances USING gin (tags) WHERE status <> 'deregistered';
-- The sweep: instances that may be due a transition, oldest heartbeat first.
CREATE INDEX fleet_instances_liveness ON fleet_instances (last_heartbeat) WHERE status IN ('online', 'stale');

-- One-time enrolment tokens: only their SHA-256 is kept.
CREATE TABLE fleet_enrollment_tokens (
    id            uuid        PRIMARY KEY,
    org_id        uuid        NOT NULL,
    secret_sha256 text        NOT NULL UNIQUE,
    agent_id      uuid,
    max_uses      integer     NOT NULL CHECK (max_uses > 0),
    uses          integer     NOT NULL DEFAULT 0,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    created_at    timestamptz NOT NULL,
    created_by    text        NOT NULL
);
CALL warden_protect('fleet_enrollment_tokens');
CREATE POLICY tokens_platform_read ON fleet_enrollment_tokens FOR SELECT USING (warden_platform());
CREATE INDEX fleet_enrollment_tokens_created ON fleet_enrollment_tokens (org_id, created_at, id);

-- Projection of warden.agents.v1: the governed agents of each organization, and how many policy changes concern each.
CREATE TABLE fleet_agents (
    org_id         uuid    NOT NULL,
    agent_id       uuid    NOT NULL,
    policy_changes integer NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, agent_id)
);
CALL warden_protect('fleet_agents');

-- Each policy change concerning an agent, once by event id (bound, unbound, created or changed while it applies).
CREATE TABLE fleet_policy_changes (
    org_id      uuid        NOT NULL,
    agent_id    uuid        NOT NULL,
    event_id    uuid        NOT NULL,
    policy_id   uuid,
    change      text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (agent_id, event_id)
);
CALL warden_protect('fleet_policy_changes');

-- Projection of warden.audit.v1's drift events: an instance's recentThreats are its agent's drift of the last 24 hours.
CREATE TABLE fleet_drift_events (
    event_id    uuid        PRIMARY KEY,
    org_id      uuid        NOT NULL,
    agent_id    text        NOT NULL,
    occurred_at timestamptz NOT NULL
);
CALL warden_protect('fleet_drift_events');
CREATE INDEX fleet_drift_events_agent ON fleet_drift_events (org_id, agent_id, occurred_at);
