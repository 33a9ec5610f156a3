-- How many of each kind of thing an organization keeps (agents, policies, instances...), and the most it may keep of
-- each: a guard against one organization filling the disk every other shares (docs/security.md, "One organization's
-- use and every other's"). A table joins with CALL warden_keep_count('<table>', '<kind>'): every statement that adds
-- or removes its rows moves the organization's count in the same transaction, and one that takes an organization
-- past its kind's limit fails with SQLSTATE WDN02 (TenantDb answers it as a 403 quota_exceeded) and writes nothing.
--
-- Each count is spread over 16 slots (the slot of the session's backend), so concurrent creates in one organization
-- do not queue on one counter row; the count is the sum of the slots. Concurrent transactions do not see each other's
-- uncommitted rows, so an organization creating on N connections at once may pass its limit by at most N - 1.
CREATE TABLE warden_kept (
    org_id uuid     NOT NULL,
    kind   text     NOT NULL,
    slot   smallint NOT NULL,
    n      bigint   NOT NULL,
    PRIMARY KEY (org_id, kind, slot)
);
CALL warden_protect('warden_kept');
-- Rows some services add across organizations (fleet-service's instances, in a platform transaction) are counted too.
CREATE POLICY platform_counts ON warden_kept USING (warden_platform()) WITH CHECK (warden_platform());

-- The most an organization may keep of a kind, the same for every organization: written by the service as it starts,
-- from its configuration (warden.limits.<kind>; dev.warden.tenancy.db.Limits). A kind without a row has no limit.
CREATE TABLE warden_limits (
    kind text   PRIMARY KEY,
    most bigint NOT NULL CHECK (most >= 0)
);
ALTER TABLE warden_limits ENABLE ROW LEVEL SECURITY;
ALTER TABLE warden_limits FORCE ROW LEVEL SECURITY;
CREATE POLICY read_by_all ON warden_limits FOR SELECT USING (true);
CREATE POLICY written_by_platform ON warden_limits USING (warden_platform()) WITH CHECK (warden_platform());

CREATE FUNCTION warden_kept_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    most bigint;
    kept bigint;
BEGIN
    INSERT INTO warden_kept AS k (org_id, kind, slot, n)
    SELECT a.org_id, TG_ARGV[0], pg_backend_pid() & 15, count(*) FROM added a GROUP BY a.org_id
    ON CONFLICT (org_id, kind, slot) DO UPDATE SET n = k.n + excluded.n;
    SELECT l.most INTO most FROM warden_limits l WHERE l.kind = TG_ARGV[0];
    IF most IS NOT NULL THEN
        SELECT max(total) INTO kept FROM (
            SELECT sum(k.n) AS total FROM warden_kept k
            WHERE k.kind = TG_ARGV[0] AND k.org_id IN (SELECT a.org_id FROM added a)
            GROUP BY k.org_id) counts;
        IF kept > most THEN
            RAISE EXCEPTION USING ERRCODE = 'WDN02', MESSAGE = TG_ARGV[0], DETAIL = most::text;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION warden_kept_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO warden_kept AS k (org_id, kind, slot, n)
    SELECT r.org_id, TG_ARGV[0], pg_backend_pid() & 15, -count(*) FROM removed r GROUP BY r.org_id
    ON CONFLICT (org_id, kind, slot) DO UPDATE SET n = k.n + excluded.n;
    RETURN NULL;
END $$;

-- Counts the rows of tbl (which has an org_id) as kind from here on, and those it holds already.
CREATE PROCEDURE warden_keep_count(tbl regclass, kind text)
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER kept_added AFTER INSERT ON %s REFERENCING NEW TABLE AS added '
                   'FOR EACH STATEMENT EXECUTE FUNCTION warden_kept_added(%L)', tbl, kind);
    EXECUTE format('CREATE TRIGGER kept_removed AFTER DELETE ON %s REFERENCING OLD TABLE AS removed '
                   'FOR EACH STATEMENT EXECUTE FUNCTION warden_kept_removed(%L)', tbl, kind);
    -- What it holds already, counted once: the owner reads every organization's rows only while RLS is not forced on
    -- the table, and writes the counts as the platform.
    EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', tbl);
    PERFORM set_config('warden.platform', 'on', true);
    EXECUTE format('INSERT INTO warden_kept (org_id, kind, slot, n) SELECT org_id, %L, 0, count(*) FROM %s '
                   'GROUP BY org_id', kind, tbl);
    PERFORM set_config('warden.platform', '', true);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
END $$;
