-- Rebuilding the projection: a platform admin replays the consumed topics from offset zero into a fresh projection.
-- Each rebuild starts the projection's next generation: the tables of V1 are emptied and the consumer group, whose
-- offsets carry the generation they were committed in, consumes every partition again from its beginning.
-- Neither table holds an organization's data: Row-Level Security is forced as everywhere, and the grants say who may
-- do what.

-- The projection's generation, one row. A consumer applies a batch only while the generation it consumes for is this
-- one (registry_fence); a rebuild raises it (registry_rebuild_start).
CREATE TABLE registry_projection (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    generation bigint  NOT NULL
);
INSERT INTO registry_projection (generation) VALUES (0);
ALTER TABLE registry_projection ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry_projection FORCE ROW LEVEL SECURITY;
CREATE POLICY projection_everyone ON registry_projection USING (true) WITH CHECK (true);
REVOKE INSERT, UPDATE, DELETE ON registry_projection FROM ${app_role};

-- Every rebuild: what it has to replay (per partition of each consumed topic, the first offset still held and the end
-- offset when it started) and, once it ends, how far each partition was applied. At most one runs at a time.
CREATE TABLE registry_rebuilds (
    id           uuid PRIMARY KEY,
    generation   bigint      NOT NULL UNIQUE,
    state        text        NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    requested_by text        NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    reason       text,
    -- [{"topic", "partition", "from", "to", "applied"}]: "applied" as last measured.
    partitions   jsonb       NOT NULL
);
CREATE UNIQUE INDEX registry_rebuilds_one_running ON registry_rebuilds ((true)) WHERE state = 'running';
ALTER TABLE registry_rebuilds ENABLE ROW LEVEL SECURITY;
ALTER TABLE registry_rebuilds FORCE ROW LEVEL SECURITY;
CREATE POLICY rebuilds_platform ON registry_rebuilds USING (warden_platform()) WITH CHECK (warden_platform());
-- The runtime role reads rebuilds and records their progress; only registry_rebuild_start adds one.
REVOKE INSERT, DELETE ON registry_rebuilds FROM ${app_role};

-- First statement of every transaction that applies events: waits while a rebuild empties the projection, then
-- refuses (as a serialization failure, which consumers retry and never dead-letter) a consumer still applying for an
-- older generation, whose writes would land in the fresh projection. The generation is read after the lock, in a
-- statement of its own, so it is the one a finished reset committed.
CREATE FUNCTION registry_fence(expected bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    current bigint;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7301, 1);
    SELECT generation INTO current FROM registry_projection;
    IF current IS DISTINCT FROM expected THEN
        RAISE EXCEPTION 'the registry projection is at generation %; this consumer applies generation %', current, expected
            USING ERRCODE = 'serialization_failure';
    END IF;
END $$;

-- Starts a rebuild, in a platform transaction: waits for the batches being applied, raises the generation, empties
-- every table of the projection for every organization (TRUNCATE: the runtime role may not, and Row-Level Security
-- would confine a DELETE to one organization) and records the rebuild. Answers the new generation, or null when a
-- rebuild is running already. Owned by the schema owner, who alone may truncate; a new projection table must be added
-- here (RebuildTest checks that every one is).
CREATE FUNCTION registry_rebuild_start(rebuild_id uuid, requested_by text, partitions jsonb) RETURNS bigint
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
        registry_drift, registry_compliance, registry_audit_progress, registry_realms, registry_pending_registrations,
        registry_revisions;
    INSERT INTO registry_rebuilds (id, generation, state, requested_by, started_at, partitions)
    VALUES (rebuild_id, raised, 'running', requested_by, now(), partitions);
    RETURN raised;
END $$;
REVOKE ALL ON FUNCTION registry_rebuild_start(uuid, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry_rebuild_start(uuid, text, jsonb) TO ${app_role};
