-- The projection's revision per organization: the id of the last transaction that changed it. Every applying
-- transaction moves it (RegistryChanges.announce, with its NOTIFY), so GET /v1/registry can reuse an answer it
-- rendered at the same revision: nothing it shows has changed since.
CREATE TABLE registry_revisions (
    org_id   uuid   NOT NULL PRIMARY KEY,
    revision bigint NOT NULL
);
CALL warden_protect('registry_revisions');
