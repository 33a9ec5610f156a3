-- The latest agent snapshot beside its intent: what a compliance package says the agent is.
ALTER TABLE agent_intents ADD COLUMN snapshot jsonb;

-- Compliance packages: built off the request thread, with progress; the finished package is signed.
CREATE TABLE compliance_packages (
    id           uuid PRIMARY KEY,
    org_id       uuid        NOT NULL,
    agent_id     text        NOT NULL,
    range_from   timestamptz NOT NULL,
    range_to     timestamptz NOT NULL,
    status       text        NOT NULL CHECK (status IN ('building', 'ready', 'failed')),
    progress     integer     NOT NULL CHECK (progress BETWEEN 0 AND 100),
    requested_by text,
    requested_at timestamptz NOT NULL,
    completed_at timestamptz,
    content      jsonb,
    signature    text,
    key_id       text,
    error        text
);
CREATE INDEX compliance_packages_org ON compliance_packages (org_id, requested_at, id);
CREATE INDEX compliance_packages_agent ON compliance_packages (org_id, agent_id);
CALL warden_protect('compliance_packages');
