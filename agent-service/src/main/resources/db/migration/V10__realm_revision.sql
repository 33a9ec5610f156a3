-- A realm's revision, raised by each change: its ETag, which If-Match takes on an edit (as an agent's).
ALTER TABLE realms ADD COLUMN revision bigint NOT NULL DEFAULT 1;
