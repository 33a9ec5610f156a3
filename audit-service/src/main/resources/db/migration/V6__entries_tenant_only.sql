-- audit_entries is read only under one organization's scope (the publisher takes each organization's in turn), so its
-- Row-Level Security is the plain org_id = warden_current_org() that its indexes serve. The cross-organization read
-- policy made the planner scan and sort the whole table for every page of the audit log.
DROP POLICY entries_platform_read ON audit_entries;

-- The same for checkpoints: the periodic signer learns which heads moved since their last checkpoint from the head
-- row itself, and audit_checkpoints is read only under one organization's scope.
ALTER TABLE audit_chain_heads ADD COLUMN checkpointed_sequence bigint NOT NULL DEFAULT 0;
UPDATE audit_chain_heads h SET checkpointed_sequence = c.sequence
FROM (SELECT org_id, max(sequence) AS sequence FROM audit_checkpoints GROUP BY org_id) c WHERE c.org_id = h.org_id;
DROP POLICY checkpoints_platform ON audit_checkpoints;
