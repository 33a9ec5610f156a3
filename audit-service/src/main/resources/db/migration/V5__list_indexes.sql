-- Every filter of a list has an index that also yields the list's order, so a page costs the same at any history size.
CREATE INDEX audit_entries_connector ON audit_entries (org_id, connector, sequence);
CREATE INDEX audit_entries_status ON audit_entries (org_id, status, sequence);
CREATE INDEX drift_events_agent_detected ON drift_events (org_id, agent_id, detected_at, id);
CREATE INDEX drift_events_type_detected ON drift_events (org_id, drift_type, detected_at, id);
DROP INDEX drift_events_agent;
CREATE INDEX audit_entries_recorded ON audit_entries (org_id, recorded_at);
