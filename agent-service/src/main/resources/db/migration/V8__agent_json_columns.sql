-- An agent's JSON columns are stored as json, not jsonb. Warden writes them whole and reads them whole, never querying
-- inside them (no operator, path or index touches them), and PostgreSQL's jsonb text output was most of its CPU for a
-- list of agents: 243 of 480 µs a page of 100 (docs/benchmarks.md, section 3). json keeps the text as written, which
-- is the compact JSON Warden wrote after validating it, and hands it back as a copy. What is lost is jsonb's key
-- order and duplicate folding, neither of which an answer relies on: each column is read into its record, and the
-- free-form declared_intent and metadata keep the order they were given in.
ALTER TABLE agents
    ALTER COLUMN declared_intent TYPE json USING declared_intent::json,
    ALTER COLUMN risk_config TYPE json USING risk_config::json,
    ALTER COLUMN capabilities TYPE json USING capabilities::json,
    ALTER COLUMN mcp_integration TYPE json USING mcp_integration::json,
    ALTER COLUMN notifications TYPE json USING notifications::json,
    ALTER COLUMN metadata DROP DEFAULT,
    ALTER COLUMN metadata TYPE json USING metadata::json,
    ALTER COLUMN metadata SET DEFAULT '{}';
