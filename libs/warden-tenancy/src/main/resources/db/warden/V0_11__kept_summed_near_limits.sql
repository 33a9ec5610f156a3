-- The limit check of V0_9 summed an organization's 16 slots on every statement that added rows: 16 counter rows each
-- updated thousands of times a second, about two thirds of the counting triggers' cost in pgbench (docs/benchmarks.md,
-- section 3). Now a statement sums only for an organization that may be near its limit, and stays exact:
--
-- While no slot of an organization's kind holds more than its share of the limit (most / 16, rounded down), the sum of
-- the 16 slots cannot pass the limit. So a statement whose own slot stays within its share, in an organization not
-- marked in warden_kept_near, moves its counter and is done; one whose slot passes its share marks the organization
-- (once; marks are never removed) and sums, as does every later statement of a marked organization. A slot grows only
-- through warden_kept_added, so an unmarked organization has every slot within its share, except where the limit was
-- lowered (or first set) under it: writing a limit marks every organization with a slot past the new share
-- (warden_kept_mark, from a trigger on warden_limits), as does warden_keep_count for the rows a table held before it
-- was counted.
--
-- Near its limit, an organization's statements of a kind also take a lock for the organization and kind until their
-- transaction ends, and sum after it: each sees what the one before it committed, so the limit holds exactly there
-- (V0_9 let N transactions at once pass it by up to N - 1: a trial's limit of 5 policies ended at 10 with 30 creates
-- at once). Far from it they take none, so concurrent creates do not queue. Only statements already past the first
-- step when an organization is first marked, or when a limit is lowered, may pass it by what they add.
CREATE TABLE warden_kept_near (
    org_id uuid NOT NULL,
    kind   text NOT NULL,
    PRIMARY KEY (org_id, kind)
);
CALL warden_protect('warden_kept_near');
CREATE POLICY platform_marks ON warden_kept_near USING (warden_platform()) WITH CHECK (warden_platform());

-- Marks every organization with a slot of kind past its share of kind's limit (none without a limit). Called as the
-- platform, which reads every organization's slots.
CREATE FUNCTION warden_kept_mark(kind text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO warden_kept_near (org_id, kind)
    SELECT DISTINCT k.org_id, k.kind FROM warden_kept k JOIN warden_limits l ON l.kind = k.kind
    WHERE k.kind = warden_kept_mark.kind AND k.n > l.most / 16
    ON CONFLICT DO NOTHING;
$$;

CREATE FUNCTION warden_limit_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.most < OLD.most THEN
        PERFORM warden_kept_mark(NEW.kind);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER limit_written AFTER INSERT OR UPDATE OF most ON warden_limits
    FOR EACH ROW EXECUTE FUNCTION warden_limit_written();

-- One statement on the way that does not sum: the counter moved, the limit read and the mark looked up together.
CREATE OR REPLACE FUNCTION warden_kept_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    most   bigint;
    passed uuid[];
    near   uuid[];
    kept   bigint;
    org    uuid;
BEGIN
    WITH moved AS (
        INSERT INTO warden_kept AS k (org_id, kind, slot, n)
        SELECT a.org_id, TG_ARGV[0], pg_backend_pid() & 15, count(*) FROM added a GROUP BY a.org_id
        ON CONFLICT (org_id, kind, slot) DO UPDATE SET n = k.n + excluded.n
        RETURNING k.org_id, k.n)
    SELECT l.most,
           array_agg(m.org_id) FILTER (WHERE m.n > l.most / 16),
           array_agg(m.org_id) FILTER (WHERE m.n > l.most / 16 OR EXISTS (
               SELECT FROM warden_kept_near k WHERE k.org_id = m.org_id AND k.kind = TG_ARGV[0]))
    INTO most, passed, near
    FROM moved m JOIN warden_limits l ON l.kind = TG_ARGV[0]
    GROUP BY l.most;
    IF near IS NULL THEN
        RETURN NULL; -- no limit, or every organization of the statement within its share and unmarked
    END IF;
    IF passed IS NOT NULL THEN
        INSERT INTO warden_kept_near (org_id, kind) SELECT unnest(passed), TG_ARGV[0] ON CONFLICT DO NOTHING;
    END IF;
    FOR org IN SELECT o FROM unnest(near) o ORDER BY o LOOP -- in one order, so that two statements never deadlock
        PERFORM pg_advisory_xact_lock(hashtextextended('warden_kept ' || TG_ARGV[0] || ' ' || org, 0));
    END LOOP;
    -- A statement of its own, after the locks: it sees what the transactions that held them committed.
    SELECT max(total) INTO kept FROM (
        SELECT sum(k.n) AS total FROM warden_kept k WHERE k.kind = TG_ARGV[0] AND k.org_id = ANY (near)
        GROUP BY k.org_id) counts;
    IF kept > most THEN
        RAISE EXCEPTION USING ERRCODE = 'WDN02', MESSAGE = TG_ARGV[0], DETAIL = most::text;
    END IF;
    RETURN NULL;
END $$;

-- As V0_9's, and marks what the table held before it was counted (all of it in slot 0).
CREATE OR REPLACE PROCEDURE warden_keep_count(tbl regclass, kind text)
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER kept_added AFTER INSERT ON %s REFERENCING NEW TABLE AS added '
                   'FOR EACH STATEMENT EXECUTE FUNCTION warden_kept_added(%L)', tbl, kind);
    EXECUTE format('CREATE TRIGGER kept_removed AFTER DELETE ON %s REFERENCING OLD TABLE AS removed '
                   'FOR EACH STATEMENT EXECUTE FUNCTION warden_kept_removed(%L)', tbl, kind);
    EXECUTE format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', tbl);
    PERFORM set_config('warden.platform', 'on', true);
    EXECUTE format('INSERT INTO warden_kept (org_id, kind, slot, n) SELECT org_id, %L, 0, count(*) FROM %s '
                   'GROUP BY org_id', kind, tbl);
    PERFORM warden_kept_mark(kind);
    PERFORM set_config('warden.platform', '', true);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
END $$;

-- What is counted already, under the limits written so far.
SELECT set_config('warden.platform', 'on', true);
SELECT warden_kept_mark(kind) FROM warden_limits;
SELECT set_config('warden.platform', '', true);
