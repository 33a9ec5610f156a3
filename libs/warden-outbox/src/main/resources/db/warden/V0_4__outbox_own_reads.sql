-- A request may wait until the relay has handed its events to the broker (Deliveries): it reads, in its own
-- organization's scope, whether any of them is still waiting. Reading is all it may do; only the relay deletes.
CREATE POLICY outbox_read_own ON warden_outbox FOR SELECT USING (org_id = warden_current_org());
