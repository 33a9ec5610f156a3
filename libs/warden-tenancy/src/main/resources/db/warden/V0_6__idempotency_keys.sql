-- Idempotency-Key: the first answer to a keyed change, recorded in the change's own transaction (Idempotency in
-- warden-tenancy), so that the same request sent again gets that answer instead of a second change. An organization's
-- keys are its own; a key is kept 24 hours, after which its organization's next keyed request deletes it.
CREATE TABLE warden_idempotency (
    org_id      uuid        NOT NULL,
    key         text        NOT NULL,
    fingerprint text        NOT NULL,
    answer      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, key)
);
CREATE INDEX warden_idempotency_age ON warden_idempotency (org_id, created_at);
CALL warden_protect('warden_idempotency');
