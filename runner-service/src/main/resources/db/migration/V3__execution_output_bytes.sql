-- The size of a run's recorded output, kept by PostgreSQL itself: a page of an agent's executions is bounded by it as
-- well as by its limit (500 runs of 4 MiB each would be a 2 GB answer).
ALTER TABLE executions ADD COLUMN output_bytes bigint GENERATED ALWAYS AS
    (coalesce(octet_length(stdout::text), 0) + coalesce(octet_length(stderr::text), 0)) STORED;
