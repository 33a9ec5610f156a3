-- Where a recording consumer (audit-service's chain) has applied each partition, kept beside what it applied, in the
-- same database: after the database is restored to an earlier point, its positions go back with it, and the consumer
-- applies again what the restore took away, where the broker's committed offsets alone would skip it (KeptPositions).
CREATE TABLE warden_consumer_positions (
    group_id    text        NOT NULL,
    topic       text        NOT NULL,
    partition   integer     NOT NULL,
    next_offset bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);
ALTER TABLE warden_consumer_positions ENABLE ROW LEVEL SECURITY;
ALTER TABLE warden_consumer_positions FORCE ROW LEVEL SECURITY;
-- No organization's data: the consumer loop reads and writes it in platform scope only.
CREATE POLICY consumer_positions_platform ON warden_consumer_positions USING (warden_platform()) WITH CHECK (warden_platform());
