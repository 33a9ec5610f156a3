-- Open registration's per-address rate, kept in the database so that it holds across every replica of agent-service
-- (it was a token bucket in each replica's memory: with three replicas behind a round-robin balancer, an address got
-- three times the rate). One row per source address: when its next call is due at the steady rate (the generic cell
-- rate algorithm's theoretical arrival time, "TAT"); a row whose time has passed says nothing and is swept.
CREATE TABLE open_registration_calls (
    address text PRIMARY KEY,
    due_at  timestamptz NOT NULL
);
CREATE INDEX open_registration_calls_due ON open_registration_calls (due_at);
-- No organization's: an address is counted across every organization it names. Only platform-scoped transactions
-- (TenantDb.asPlatform) see it.
ALTER TABLE open_registration_calls ENABLE ROW LEVEL SECURITY;
ALTER TABLE open_registration_calls FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_only ON open_registration_calls USING (warden_platform()) WITH CHECK (warden_platform());
