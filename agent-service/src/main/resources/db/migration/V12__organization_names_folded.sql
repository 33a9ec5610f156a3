-- Organization names are unique without regard to case or Unicode compatibility forms: "Acme", "acme" and "Ａｃｍｅ"
-- (full-width) are one name, so a platform admin cannot create a second organization that a person, a log or open
-- registration's ?org= would take for the first. A deployment already holding such a pair is told which, and must
-- rename one (PATCH is not offered: create the organization anew) before this migration can run.
DO $$
DECLARE
    clash text;
BEGIN
    SELECT string_agg(names, '; ') INTO clash FROM (
        SELECT string_agg(quote_literal(name), ', ' ORDER BY created_at) AS names
        FROM organizations GROUP BY lower(normalize(name, NFKC)) HAVING count(*) > 1) pairs;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'organization names that differ only in case or compatibility form: %', clash;
    END IF;
END $$;

CREATE UNIQUE INDEX organizations_name_folded ON organizations (lower(normalize(name, NFKC)));
