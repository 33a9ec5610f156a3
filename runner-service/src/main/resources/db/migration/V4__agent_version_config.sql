-- Each deployed version's config (seed 001's deploy `config`, "runtime configuration for this version"), from the
-- deployed events of warden.agents.v1: a run hands the config of the agent's current version to its container, after
-- a rollback too (a version's config never changes once deployed). json, not jsonb: it is handed on as it was written.
CREATE TABLE runner_agent_versions (
    org_id   uuid    NOT NULL,
    agent_id uuid    NOT NULL,
    version  integer NOT NULL,
    config   json,
    PRIMARY KEY (org_id, agent_id, version)
);
CALL warden_protect('runner_agent_versions');
