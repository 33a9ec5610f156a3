-- What an instance fetches of its agent's policies (GET /v1/fleet/agents/{id}/policies), projected from
-- warden.agents.v1: each policy as its newest event tells it (created, changed: the policy whole, by its version; a
-- removal leaves a tombstone, so an older event read again cannot bring it back), and which agents each governs (bound
-- and unbound, in each agent's order). A deployment upgraded to this knows neither for what was made before it until
-- fleet-service's consumer group is read again from the start (docs/fleet-service.md, "Policies through the
-- heartbeat").
CREATE TABLE fleet_policies (
    org_id      uuid        NOT NULL,
    policy_id   uuid        NOT NULL,
    version     integer     NOT NULL,
    name        text        NOT NULL,
    description text,
    enforcement text        NOT NULL,
    -- json, not jsonb: written and read whole, never looked into (docs/architecture.md, "Data access")
    rules       json        NOT NULL,
    removed     boolean     NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (org_id, policy_id)
);
CALL warden_protect('fleet_policies');

CREATE TABLE fleet_policy_bindings (
    org_id    uuid NOT NULL,
    agent_id  uuid NOT NULL,
    policy_id uuid NOT NULL,
    PRIMARY KEY (org_id, agent_id, policy_id)
);
CALL warden_protect('fleet_policy_bindings');
-- A policy's newer version counts a change for the agents it governs here
CREATE INDEX fleet_policy_bindings_policy ON fleet_policy_bindings (org_id, policy_id);
