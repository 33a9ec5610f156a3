-- The inbox of handled event ids (V0_2) is gone: consumers dedupe by event id in their own tables, and
-- EventConsumers retries and dead-letters instead. Databases migrated before keep a later service version, so this
-- runs out of order there (Migrations: outOfOrder).
DROP TABLE IF EXISTS warden_processed_events;
