-- A service's database is reached by that service's runtime role alone (${app_role}) and by its owner: no other
-- service's role may connect, so one service's stolen database credential reads no other service's tables. (PostgreSQL
-- lets every role connect to a new database; Row-Level Security scopes rows by the organization a transaction names,
-- which the connecting service chooses, so it is no bound between services.)
--
-- A database made while every service shared the runtime role warden_app (a local data folder from before this
-- migration) hands that role's privileges on its objects over to the service's own role, and warden_app can no longer
-- connect to it. Where the runtime role is still warden_app (the tests' shared server), nothing but the first step
-- changes. (Column grants and schemas other than public: Warden's migrations make none.)
DO $$
DECLARE
    app  text := '${app_role}';
    old  text := 'warden_app';
    item record;
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), app);
    IF app = old OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = old) THEN
        RETURN;
    END IF;
    FOR item IN
        SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' END || c.oid::regclass AS target,
               string_agg(DISTINCT a.privilege_type, ', ') AS privileges
        FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.relnamespace = 'public'::regnamespace AND a.grantee = old::regrole
        GROUP BY c.oid, c.relkind
    LOOP
        EXECUTE format('GRANT %s ON %s TO %I', item.privileges, item.target, app);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS target
        FROM pg_proc p, aclexplode(p.proacl) a
        WHERE p.pronamespace = 'public'::regnamespace AND a.grantee = old::regrole AND a.privilege_type = 'EXECUTE'
    LOOP
        EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO %I', item.target, app);
    END LOOP;
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', app);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', app);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %I', app);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM %I', old);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM %I', old);
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', current_database(), old);
END $$;
