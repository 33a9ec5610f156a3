-- When the sweep last published an online instance's resource summary (its figures), so that Kafka carries one
-- summary per instance per summary interval, whatever the heartbeat rate.
ALTER TABLE fleet_instances ADD COLUMN summarized_at timestamptz;
CREATE INDEX fleet_instances_summary ON fleet_instances (coalesce(summarized_at, registered_at)) WHERE status = 'online';
