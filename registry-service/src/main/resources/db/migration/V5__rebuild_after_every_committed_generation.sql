-- A rebuild's generation comes after the projection's and after every generation the consumer group has committed
-- offsets under. After the database was restored to a point before a rebuild, the projection's generation was behind
-- the group's: the next rebuild took a generation the group had already committed, so its loops did not replay the
-- partitions committed under it, and the rebuild reported itself done over an incomplete projection (a user trial).
DROP FUNCTION registry_rebuild_start(uuid, text, jsonb);
CREATE FUNCTION registry_rebuild_start(rebuild_id uuid, requested_by text, partitions jsonb, committed_generation bigint)
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    raised bigint;
BEGIN
    -- At once while one runs, without waiting for the batches in flight; then again under the lock.
    IF EXISTS (SELECT 1 FROM registry_rebuilds WHERE state = 'running') THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(7301, 1);
    IF EXISTS (SELECT 1 FROM registry_rebuilds WHERE state = 'running') THEN
        RETURN NULL;
    END IF;
    UPDATE registry_projection SET generation = greatest(generation, committed_generation) + 1 RETURNING generation INTO raised;
    -- Identities go on: a rebuilt agent gets a new seed-002 id, and an old id answers 404 rather than another agent.
    TRUNCATE registry_agents, registry_agent_stats, registry_instances, registry_connectors, registry_policy_bindings,
        registry_drift, registry_compliance, registry_audit_progress, registry_realms, registry_pending_registrations;
    INSERT INTO registry_rebuilds (id, generation, state, requested_by, started_at, partitions)
    VALUES (rebuild_id, raised, 'running', requested_by, now(), partitions);
    PERFORM pg_notify('warden_registry_changed', '*');
    RETURN raised;
END $$;
REVOKE ALL ON FUNCTION registry_rebuild_start(uuid, text, jsonb, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry_rebuild_start(uuid, text, jsonb, bigint) TO ${app_role};
