-- When the oldest audit entry not yet on warden.audit.v1 was recorded (warden_audit_topic_oldest_age_seconds): for
-- each organization whose head is past its watermark, the entry just after the watermark, read under that
-- organization's own scope (audit_entries has no cross-organization policy, docs/architecture.md "Tenancy"), as the
-- publisher reads them. At most `most` such organizations, so that the metric's statement stays bounded while the
-- broker is away from many organizations' chains; beyond them the age is a lower bound. The last by id: the publisher
-- serves organizations in the order of their ids, a batch at a time, so those last in it wait longest. Runs as its caller
-- (the runtime role, which sets an organization's scope for any transaction it opens anyway), in the caller's
-- platform-scoped transaction, and gives the transaction back the organization scope it had. NULL when nothing waits.
CREATE FUNCTION warden_audit_oldest_waiting(most integer) RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    waiting record;
    recorded timestamptz;
    oldest timestamptz;
    caller_org text := coalesce(current_setting('warden.org_id', true), '');
BEGIN
    FOR waiting IN SELECT p.org_id, p.published_sequence FROM audit_publication p JOIN audit_chain_heads h USING (org_id)
                   WHERE h.sequence > p.published_sequence ORDER BY p.org_id DESC LIMIT most LOOP
        PERFORM set_config('warden.org_id', waiting.org_id::text, true);
        SELECT e.recorded_at INTO recorded FROM audit_entries e
            WHERE e.org_id = waiting.org_id AND e.sequence = waiting.published_sequence + 1;
        IF recorded IS NOT NULL AND (oldest IS NULL OR recorded < oldest) THEN
            oldest := recorded;
        END IF;
    END LOOP;
    PERFORM set_config('warden.org_id', caller_org, true);
    RETURN oldest;
END $$;
