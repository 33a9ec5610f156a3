-- warden.audit.v1 is published straight from the chain: the chain is already durable and ordered, so each entry
-- needs no second copy in the outbox. This is how far each organization's chain has been published.
CREATE TABLE audit_publication (
    org_id             uuid PRIMARY KEY,
    published_sequence bigint NOT NULL DEFAULT 0
);
ALTER TABLE audit_publication ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_publication FORCE ROW LEVEL SECURITY;
CREATE POLICY publication_tenant ON audit_publication
    USING (org_id = warden_current_org() OR warden_platform())
    WITH CHECK (org_id = warden_current_org() OR warden_platform());

-- The publisher reads every organization's new entries; it runs with the platform scope, like the outbox relay.
CREATE POLICY entries_platform_read ON audit_entries FOR SELECT USING (warden_platform());

-- Wake the publisher once per appending statement; it also polls.
CREATE FUNCTION warden_audit_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('warden_audit', '');
    RETURN NULL;
END $$;
CREATE TRIGGER audit_entries_appended AFTER INSERT ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION warden_audit_notify();
