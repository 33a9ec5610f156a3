-- VersionConfigBackfill, a leader job in platform scope, asks whether some agent's current version has no recorded
-- deploy (deployed before V4 kept versions' configs: an upgrade), and reads warden.agents.v1 again when one has. It
-- reads both tables across organizations and writes nothing there in that scope (its writes are each organization's).
CREATE POLICY platform_read ON runner_agents FOR SELECT USING (warden_platform());
CREATE POLICY platform_read ON runner_agent_versions FOR SELECT USING (warden_platform());
