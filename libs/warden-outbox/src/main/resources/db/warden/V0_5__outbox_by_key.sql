-- A request that waits for its events to reach the broker (Deliveries) asks every few milliseconds whether one of its
-- key is still in the outbox. The outbox is nearly empty while the broker is there; while it is away it grows with every
-- change, and without this index each of those questions read all of it.
CREATE INDEX warden_outbox_by_key ON warden_outbox (record_key, topic);
