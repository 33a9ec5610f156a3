-- The agent list's totals, kept as agents come, go and change status: GET /v1/agents counts nothing, however many
-- agents an organization has (bench/request). A create or a status change also moves a counter, in the same
-- transaction. Each organization's count is spread over 16 slots (an agent always in the slot its id hashes to), so
-- concurrent creates in one organization do not queue on one counter row; a total is the sum of its slots.
CREATE TABLE agent_counts (
    org_id uuid     NOT NULL,
    status text     NOT NULL,
    slot   smallint NOT NULL,
    n      bigint   NOT NULL CHECK (n >= 0),
    PRIMARY KEY (org_id, status, slot)
);

-- Existing agents, counted once; the owner reads every organization's agents only while RLS is not forced on it.
ALTER TABLE agents NO FORCE ROW LEVEL SECURITY;
INSERT INTO agent_counts (org_id, status, slot, n)
SELECT org_id, status, (hashtext(id::text) & 15)::smallint, count(*) FROM agents GROUP BY 1, 2, 3;
ALTER TABLE agents FORCE ROW LEVEL SECURITY;
CALL warden_protect('agent_counts');

CREATE FUNCTION warden_count_agents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE agent_counts SET n = n - 1
        WHERE org_id = OLD.org_id AND status = OLD.status AND slot = (hashtext(OLD.id::text) & 15);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO agent_counts (org_id, status, slot, n) VALUES (NEW.org_id, NEW.status, hashtext(NEW.id::text) & 15, 1)
        ON CONFLICT (org_id, status, slot) DO UPDATE SET n = agent_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER agents_counted AFTER INSERT OR DELETE ON agents
    FOR EACH ROW EXECUTE FUNCTION warden_count_agents();
CREATE TRIGGER agents_counted_by_status AFTER UPDATE OF status ON agents
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION warden_count_agents();
