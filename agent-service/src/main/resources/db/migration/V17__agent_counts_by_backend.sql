-- The counter slot a create moved was the one its agent's id hashed to, so two creates of one organization in flight
-- on the same slot queued on its row until the first had committed, its WAL flushed: with eight connections creating,
-- about a third of creates waited so (pg_stat_activity sampled under the create benchmark, docs/benchmarks.md section
-- 3). Now the slot of the session's backend, as warden_kept's (V0_9): transactions in flight at once are on connections
-- of their own, and a pool's connections, opened together, have consecutive process ids. A slot may go below zero (an
-- agent created on one connection and decommissioned on another); a total is the sum of its slots, as before.
ALTER TABLE agent_counts DROP CONSTRAINT agent_counts_n_check;

CREATE OR REPLACE FUNCTION warden_count_agents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO agent_counts AS c (org_id, status, slot, n) VALUES (OLD.org_id, OLD.status, pg_backend_pid() & 15, -1)
        ON CONFLICT (org_id, status, slot) DO UPDATE SET n = c.n - 1;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO agent_counts AS c (org_id, status, slot, n) VALUES (NEW.org_id, NEW.status, pg_backend_pid() & 15, 1)
        ON CONFLICT (org_id, status, slot) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
END $$;
