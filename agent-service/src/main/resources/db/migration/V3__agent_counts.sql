-- The agent list's totals, kept as agents come, go and change status: GET /v1/agents counts nothing, however many
-- agents an organization has (bench/request). A create or a status change also moves its organization's counter, in
-- the same transaction.
CREATE TABLE agent_counts (
    org_id uuid   NOT NULL,
    status text   NOT NULL,
    n      bigint NOT NULL CHECK (n >= 0),
    PRIMARY KEY (org_id, status)
);

-- Existing agents, counted once; the owner reads every organization's agents only while RLS is not forced on it.
ALTER TABLE agents NO FORCE ROW LEVEL SECURITY;
INSERT INTO agent_counts (org_id, status, n) SELECT org_id, status, count(*) FROM agents GROUP BY org_id, status;
ALTER TABLE agents FORCE ROW LEVEL SECURITY;
CALL warden_protect('agent_counts');

CREATE FUNCTION warden_count_agents() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE agent_counts SET n = n - 1 WHERE org_id = OLD.org_id AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO agent_counts (org_id, status, n) VALUES (NEW.org_id, NEW.status, 1)
        ON CONFLICT (org_id, status) DO UPDATE SET n = agent_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER agents_counted AFTER INSERT OR DELETE ON agents
    FOR EACH ROW EXECUTE FUNCTION warden_count_agents();
CREATE TRIGGER agents_counted_by_status AFTER UPDATE OF status ON agents
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION warden_count_agents();
