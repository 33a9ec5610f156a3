-- The W3C trace context an entry was recorded in, carried to warden.audit.v1 so a consumer of the audit topic
-- continues the trace. Not part of the hashed entry: it says how the entry was made, not what it records.
ALTER TABLE audit_entries ADD COLUMN traceparent text;
