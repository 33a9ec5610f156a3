-- Shared by every Warden database. Runs as the schema owner; the runtime role (${app_role}) owns nothing
-- and only gets data privileges on what the owner creates from here on.
GRANT USAGE ON SCHEMA public TO ${app_role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app_role};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${app_role};

-- The organization of the current transaction, set by TenantDb with set_config('warden.org_id', ..., true).
CREATE FUNCTION warden_current_org() RETURNS uuid
    LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('warden.org_id', true), '')::uuid $$;

-- True in transactions that work across organizations on platform tables (organizations, the outbox relay).
CREATE FUNCTION warden_platform() RETURNS boolean
    LANGUAGE sql STABLE AS $$ SELECT coalesce(current_setting('warden.platform', true), '') = 'on' $$;

-- Row-Level Security for a tenant table: enabled, forced (the owner is subject too), rows of the current org only.
CREATE PROCEDURE warden_protect(tbl regclass)
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format('CREATE POLICY tenant_isolation ON %s USING (org_id = warden_current_org()) '
                   'WITH CHECK (org_id = warden_current_org())', tbl);
END $$;
