-- The audit log: append-only, hash-chained per organization.
CREATE TABLE audit_entries (
    org_id       uuid        NOT NULL,
    sequence     bigint      NOT NULL CHECK (sequence > 0),
    event_id     uuid        NOT NULL,
    event_type   text        NOT NULL,
    agent_id     text,
    actor        text,
    action_type  text        NOT NULL,
    connector    text,
    status       text,
    inputs_hash  text,
    outputs_hash text,
    metadata     jsonb       NOT NULL,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL,
    prev_hash    text        NOT NULL,
    hash         text        NOT NULL,
    PRIMARY KEY (org_id, sequence),
    UNIQUE (org_id, event_id)
);
CREATE INDEX audit_entries_agent ON audit_entries (org_id, agent_id, sequence);
CREATE INDEX audit_entries_action ON audit_entries (org_id, action_type, sequence);
CREATE INDEX audit_entries_occurred ON audit_entries (org_id, occurred_at);
CALL warden_protect('audit_entries');

-- The runtime role may only append and read; the trigger refuses changes even to roles that hold the privilege.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM ${app_role};
CREATE FUNCTION warden_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_entries_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION warden_audit_refuse_change();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION warden_audit_refuse_change();

-- The head of each organization's chain; its row lock serializes appends, so a chain never forks.
CREATE TABLE audit_chain_heads (
    org_id   uuid PRIMARY KEY,
    sequence bigint NOT NULL,
    hash     text   NOT NULL
);
CALL warden_protect('audit_chain_heads');

-- Public keys that ever signed a checkpoint, so old checkpoints stay verifiable after a key rotation.
CREATE TABLE audit_signing_keys (
    key_id     text PRIMARY KEY,
    algorithm  text        NOT NULL,
    public_key text        NOT NULL,
    created_at timestamptz NOT NULL
);
ALTER TABLE audit_signing_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_signing_keys FORCE ROW LEVEL SECURITY;
-- Public keys are public: every organization may read them; only the platform scope adds one.
CREATE POLICY signing_keys_read ON audit_signing_keys FOR SELECT USING (true);
CREATE POLICY signing_keys_add ON audit_signing_keys FOR INSERT WITH CHECK (warden_platform());

CREATE TABLE audit_checkpoints (
    id         uuid PRIMARY KEY,
    org_id     uuid        NOT NULL,
    sequence   bigint      NOT NULL,
    head_hash  text        NOT NULL,
    signed_at  timestamptz NOT NULL,
    key_id     text        NOT NULL REFERENCES audit_signing_keys (key_id),
    algorithm  text        NOT NULL,
    signature  text        NOT NULL
);
CREATE INDEX audit_checkpoints_org ON audit_checkpoints (org_id, sequence);
CALL warden_protect('audit_checkpoints');
REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints FROM ${app_role};

-- The periodic signer looks across organizations for heads without a checkpoint.
CREATE POLICY heads_platform_read ON audit_chain_heads FOR SELECT USING (warden_platform());
CREATE POLICY checkpoints_platform ON audit_checkpoints USING (warden_platform());
