-- runner-service's projection of warden.agents.v1: what a run needs of each agent (the newest revision wins).
CREATE TABLE runner_agents (
    org_id     uuid        NOT NULL,
    agent_id   uuid        NOT NULL,
    image_uri  text,
    version    integer     NOT NULL,
    status     text        NOT NULL,
    revision   bigint      NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, agent_id)
);
CALL warden_protect('runner_agents');

-- One row per run: what ran (image, its digest, version, limits of the tier) and what came of it.
CREATE TABLE executions (
    id             uuid        PRIMARY KEY,
    org_id         uuid        NOT NULL,
    agent_id       uuid        NOT NULL,
    version        integer     NOT NULL,
    image          text        NOT NULL,
    image_digest   text,
    tier           text        NOT NULL,
    limits         jsonb       NOT NULL,
    status         text        NOT NULL CHECK (status IN ('running', 'success', 'failure', 'timeout', 'oom', 'error')),
    exit_code      integer,
    duration_ms    bigint,
    stdout         jsonb,
    stderr         jsonb,
    stdout_lines   integer,
    stderr_lines   integer,
    stdout_sha256  text,
    stderr_sha256  text,
    truncated      boolean     NOT NULL DEFAULT false,
    error          text,
    created_by     text        NOT NULL,
    created_at     timestamptz NOT NULL,
    finished_at    timestamptz,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX executions_agent ON executions (org_id, agent_id, created_at, id);
CREATE INDEX executions_org ON executions (org_id, created_at, id);
CREATE INDEX executions_running ON executions (org_id, status) WHERE status = 'running';
CALL warden_protect('executions');
