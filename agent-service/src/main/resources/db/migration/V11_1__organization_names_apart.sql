-- Before V12 makes organization names unique without regard to case or compatibility form: a database an older Warden
-- filled may hold such names ("Acme" beside "acme" and the full-width "Ａｃｍｅ"), and V12 stopped the upgrade there,
-- with no way through Warden's API to rename them (and none back: the older version refuses the newer history). The
-- oldest of each such group keeps its name; each later one takes its name, a hyphen and the first eight characters of
-- its id ("acme-3f2a1b2c"; its whole id where that name is taken too), and the migration's log says which (a WARNING
-- per organization). Open registration's ?org= matches a name exactly, so a renamed organization's old name now
-- reaches no organization, never the one that kept it; its id reaches it as before, and its API keys, agents and
-- audit chain are untouched.
-- On a database that already passed V12 there is no such group, and this changes nothing (migrations run out of
-- order: Migrations.migrate).
DO $$
DECLARE
    later record;
    renamed text;
BEGIN
    FOR later IN
        SELECT id, name FROM (
            SELECT id, name, row_number() OVER (PARTITION BY lower(normalize(name, NFKC)) ORDER BY created_at, id) AS n
            FROM organizations) ranked
        WHERE n > 1 ORDER BY name, id
    LOOP
        renamed := left(later.name, 191) || '-' || left(later.id::text, 8);
        -- A name taken already (an organization named so, in any case): the whole id, which no other name holds
        IF EXISTS (SELECT 1 FROM organizations WHERE lower(normalize(name, NFKC)) = lower(normalize(renamed, NFKC))) THEN
            renamed := left(later.name, 163) || '-' || later.id::text;
        END IF;
        UPDATE organizations SET name = renamed, updated_at = now() WHERE id = later.id;
        RAISE WARNING 'organization % renamed from % to %: its name differed from an older organization''s only in case or compatibility form',
            later.id, quote_literal(later.name), quote_literal(renamed);
    END LOOP;
END $$;
