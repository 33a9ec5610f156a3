-- Whole-chain verifications: run off the request thread a chunk per transaction, with progress, like compliance
-- packages. A running one that has not moved for two minutes was interrupted (the service stopped).
CREATE TABLE chain_verifications (
    id                     uuid PRIMARY KEY,
    org_id                 uuid        NOT NULL,
    status                 text        NOT NULL CHECK (status IN ('running', 'valid', 'invalid', 'failed')),
    head                   bigint      NOT NULL,
    entries_checked        bigint      NOT NULL DEFAULT 0,
    first_invalid_sequence bigint,
    reason                 text,
    requested_by           text,
    requested_at           timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    completed_at           timestamptz
);
CREATE INDEX chain_verifications_org ON chain_verifications (org_id, requested_at, id);
CALL warden_protect('chain_verifications');
