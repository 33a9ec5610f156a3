-- Kept answers of GET /v1/registry are set aside when their replica hears the organization's NOTIFY (or applies the
-- change itself), not by reading a revision on every request: registry_revisions goes, and a rebuild, which empties
-- every organization's projection, notifies every replica with the payload '*' (delivered on commit).
CREATE OR REPLACE FUNCTION registry_rebuild_start(rebuild_id uuid, requested_by text, partitions jsonb) RETURNS bigint
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
    UPDATE registry_projection SET generation = generation + 1 RETURNING generation INTO raised;
    -- Identities go on: a rebuilt agent gets a new seed-002 id, and an old id answers 404 rather than another agent.
    TRUNCATE registry_agents, registry_agent_stats, registry_instances, registry_connectors, registry_policy_bindings,
        registry_drift, registry_compliance, registry_audit_progress, registry_realms, registry_pending_registrations;
    INSERT INTO registry_rebuilds (id, generation, state, requested_by, started_at, partitions)
    VALUES (rebuild_id, raised, 'running', requested_by, now(), partitions);
    PERFORM pg_notify('warden_registry_changed', '*');
    RETURN raised;
END $$;

DROP TABLE registry_revisions;
