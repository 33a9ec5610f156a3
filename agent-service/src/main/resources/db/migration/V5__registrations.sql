-- Seed 004: agents that register themselves with an Ed25519 key (did:key), proving possession by signing a challenge,
-- and wait for an admin's approval.

-- The identity of an agent that registered itself; empty for agents an admin created.
ALTER TABLE agents ADD COLUMN did text;
ALTER TABLE agents ADD COLUMN public_key text;
ALTER TABLE agents ADD COLUMN granted_capabilities text[] NOT NULL DEFAULT '{}';
ALTER TABLE agents ADD COLUMN approved_at timestamptz;
ALTER TABLE agents ADD COLUMN approved_by text;
CREATE UNIQUE INDEX agents_org_public_key ON agents (org_id, public_key) WHERE public_key IS NOT NULL;

-- Challenges handed out for one key, each usable once until it expires.
CREATE TABLE registration_challenges (
    challenge  text PRIMARY KEY,
    org_id     uuid        NOT NULL REFERENCES organizations (id),
    public_key text        NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX registration_challenges_expiry ON registration_challenges (org_id, expires_at);
CALL warden_protect('registration_challenges');

CREATE TABLE registrations (
    id                     uuid PRIMARY KEY,
    org_id                 uuid        NOT NULL REFERENCES organizations (id),
    name                   text        NOT NULL,
    version                text        NOT NULL,
    public_key             text        NOT NULL,
    requested_capabilities text[]      NOT NULL,
    status                 text        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_at           timestamptz NOT NULL,
    requested_by           text,
    granted_capabilities   text[],
    agent_id               uuid REFERENCES agents (id),
    reason                 text,
    decided_at             timestamptz,
    decided_by             text
);
-- A key is pending or registered once per organization; a rejected key may ask again.
CREATE UNIQUE INDEX registrations_org_key_open ON registrations (org_id, public_key) WHERE status <> 'rejected';
CREATE INDEX registrations_org_pending ON registrations (org_id, requested_at, id) WHERE status = 'pending';
CALL warden_protect('registrations');
