-- Events waiting to be published, written in the same transaction as the change they describe.
-- The relay publishes them in seq order and deletes what the broker acknowledged.
CREATE TABLE warden_outbox (
    seq        bigserial PRIMARY KEY,
    org_id     uuid        NOT NULL,
    topic      text        NOT NULL,
    record_key text        NOT NULL,
    event_id   uuid        NOT NULL UNIQUE,
    event_type text        NOT NULL,
    payload    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE warden_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE warden_outbox FORCE ROW LEVEL SECURITY;
-- A transaction writes events of its own organization; only the relay (platform scope) reads and deletes them.
CREATE POLICY outbox_write ON warden_outbox FOR INSERT WITH CHECK (org_id = warden_current_org() OR warden_platform());
CREATE POLICY outbox_relay ON warden_outbox USING (warden_platform());

-- Wake the relay once per inserting statement; it also polls, so a lost notification only delays.
CREATE FUNCTION warden_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('warden_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER warden_outbox_inserted AFTER INSERT ON warden_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION warden_outbox_notify();

-- Events a consumer has handled, so a redelivered or replayed event is handled once.
CREATE TABLE warden_processed_events (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    org_id       uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
CALL warden_protect('warden_processed_events');
