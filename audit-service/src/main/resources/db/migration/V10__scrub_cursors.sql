-- Where the scrub (ChainScrub) verifies next in each organization's chain, kept so that a restart or another replica
-- taking over goes on from there rather than from entry 1: a long chain is then verified whole however often the
-- service restarts. It moves only forward within a pass, back to 1 at the head.
CREATE TABLE audit_scrub_cursors (
    org_id        uuid PRIMARY KEY,
    next_sequence bigint      NOT NULL CHECK (next_sequence >= 1),
    updated_at    timestamptz NOT NULL
);
CALL warden_protect('audit_scrub_cursors');
