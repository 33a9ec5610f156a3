-- Every filter of a list has an index that also yields the list's order, so a page costs the same at any size.
CREATE INDEX agents_org_status_created ON agents (org_id, status, created_at, id);
CREATE INDEX policies_org_updated ON policies (org_id, updated_at);
