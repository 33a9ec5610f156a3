-- Whether the caller of a request is still in force, asked in the message that begins each of its transactions
-- (TenantDb.requireCallerInForce): the transaction's organization active and, for an API key, the key unrevoked and
-- unexpired. A revocation or a disabling answered by one replica is committed here before its answer, so another
-- replica's request after that answer is refused (SQLSTATE WDN01, a 401), though that replica's access directory learns
-- of it only milliseconds later. Runs under the transaction's Row-Level Security: an organization sees its own row
-- and keys only.
CREATE FUNCTION warden_caller_in_force(key_id uuid) RETURNS void
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM organizations WHERE id = warden_current_org() AND status = 'active')
       OR (key_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM api_keys
            WHERE id = key_id AND org_id = warden_current_org() AND revoked_at IS NULL
              AND (expires_at IS NULL OR expires_at > now()))) THEN
        RAISE EXCEPTION 'the caller''s credential is not in force' USING ERRCODE = 'WDN01';
    END IF;
END $$;
