-- What each agent declared it may do, kept from warden.agents.v1 (the newest revision wins).
CREATE TABLE agent_intents (
    org_id          uuid   NOT NULL,
    agent_id        text   NOT NULL,
    declared_intent jsonb,
    revision        bigint NOT NULL,
    PRIMARY KEY (org_id, agent_id)
);
CALL warden_protect('agent_intents');

-- Behaviour that departed from the declared intent; each is also an entry of the chain (sequence).
CREATE TABLE drift_events (
    id              uuid PRIMARY KEY,
    org_id          uuid        NOT NULL,
    agent_id        text        NOT NULL,
    drift_type      text        NOT NULL CHECK (drift_type IN ('unauthorized_system', 'unauthorized_action',
                                                               'unauthorized_data_type', 'frequency_exceeded')),
    action_event_id uuid        NOT NULL,
    connector       text,
    action          text,
    data_type       text,
    details         jsonb       NOT NULL,
    occurred_at     timestamptz NOT NULL,
    detected_at     timestamptz NOT NULL,
    sequence        bigint      NOT NULL
);
CREATE INDEX drift_events_org ON drift_events (org_id, detected_at, id);
CREATE INDEX drift_events_agent ON drift_events (org_id, agent_id);
CALL warden_protect('drift_events');
REVOKE UPDATE, DELETE, TRUNCATE ON drift_events FROM ${app_role};
