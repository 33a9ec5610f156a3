-- updated_since on every registry list (DESIGN.md: every list takes one): when an agent's entry last changed, its
-- snapshot or any of its kept counts. The database sets it on every write, so no projection statement can forget it.
ALTER TABLE registry_agents ADD COLUMN changed_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE registry_agent_stats ADD COLUMN changed_at timestamptz NOT NULL DEFAULT now();

CREATE FUNCTION registry_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_at := clock_timestamp();
    RETURN NEW;
END $$;

CREATE TRIGGER registry_agents_changed BEFORE INSERT OR UPDATE ON registry_agents
    FOR EACH ROW EXECUTE FUNCTION registry_touch();
CREATE TRIGGER registry_agent_stats_changed BEFORE INSERT OR UPDATE ON registry_agent_stats
    FOR EACH ROW EXECUTE FUNCTION registry_touch();
