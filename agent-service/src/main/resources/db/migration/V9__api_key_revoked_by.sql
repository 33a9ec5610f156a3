-- Who revoked a key (CurrentActor's name), published in its access event so the audit chain names the revoker.
-- Keys revoked before this column existed keep null.
ALTER TABLE api_keys ADD COLUMN revoked_by text;
