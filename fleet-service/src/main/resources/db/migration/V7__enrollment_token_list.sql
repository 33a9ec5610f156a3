-- GET /v1/fleet/enrollment-tokens: the tokens an actor issued, and those still usable, oldest first. (Expiry is
-- checked on the rows this index gives: it moves with the clock.)
CREATE INDEX fleet_enrollment_tokens_issuer ON fleet_enrollment_tokens (org_id, created_by, created_at, id);
CREATE INDEX fleet_enrollment_tokens_usable ON fleet_enrollment_tokens (org_id, created_at, id)
    WHERE revoked_at IS NULL AND uses < max_uses;
