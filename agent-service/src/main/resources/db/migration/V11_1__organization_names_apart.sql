-- Before V12 makes organization names unique without regard to case or compatibility form: a database an older Warden
-- filled may hold such names ("Acme" beside "acme" and the full-width "Ａｃｍｅ"), and V12 stopped the upgrade there,
-- with no way through Warden's API to rename them (and none back: the older version refuses the newer history). The
-- oldest of each such group keeps its name; each later one takes its name, a hyphen and the first eight characters of
-- its id ("acme-3f2a1b2c"), and the migration's log says which (a WARNING per organization). Open registration's
-- ?org= matches a name exactly, so a renamed organization's old name now reaches no organization, never the one that
-- kept it; its id reaches it as before, and its API keys, agents and audit chain are untouched.
-- On a database that already passed V12 there is no such group, and this changes nothing (migrations run out of
-- order: Migrations.migrate).
DO $$
DECLARE
    renamed record;
BEGIN
    FOR renamed IN
        WITH ranked AS (
            SELECT id, name, row_number() OVER (PARTITION BY lower(normalize(name, NFKC)) ORDER BY created_at, id) AS n
            FROM organizations)
        UPDATE organizations o SET name = left(r.name, 191) || '-' || left(o.id::text, 8), updated_at = now()
        FROM ranked r WHERE o.id = r.id AND r.n > 1
        RETURNING o.id, r.name AS before, o.name AS after
    LOOP
        RAISE WARNING 'organization % renamed from % to %: its name differed from an older organization''s only in case or compatibility form',
            renamed.id, quote_literal(renamed.before), quote_literal(renamed.after);
    END LOOP;
END $$;
