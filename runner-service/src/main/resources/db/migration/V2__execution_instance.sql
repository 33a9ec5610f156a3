-- Which runner instance started each execution: at start, an instance records as error its executions still running
-- (it died mid-run), containers or not.
ALTER TABLE executions ADD COLUMN instance text;
CREATE INDEX executions_instance_running ON executions (instance, created_at) WHERE status = 'running';
-- That start-up sweep reads across organizations in platform scope (TenantDb.asPlatform), and reads only.
CREATE POLICY runner_restart_sweep ON executions FOR SELECT USING (warden_platform());
