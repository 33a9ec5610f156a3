-- A compliance package's content is kept as the exact text that was signed (its canonical JSON), in a json column,
-- which PostgreSQL hands back byte for byte: answering it, or putting it in the ZIP, never parses it into a tree again
-- (a package of tens of thousands of entries made a tree of hundreds of megabytes). Nothing looks inside the column.
-- Packages made before keep jsonb's rendering of their content, and are marked so: the ZIP writes their canonical form.
ALTER TABLE compliance_packages ALTER COLUMN content TYPE json USING content::json;
ALTER TABLE compliance_packages ADD COLUMN content_as_signed boolean NOT NULL DEFAULT false;
