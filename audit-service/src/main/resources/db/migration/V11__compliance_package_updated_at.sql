-- When a building package last moved: one that has not moved for two minutes was interrupted (its service stopped,
-- or the database stayed away longer than the builder waits for it) and is answered failed, as a whole-chain
-- verification is. A package building when this runs was interrupted by the restart that runs it.
ALTER TABLE compliance_packages ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
