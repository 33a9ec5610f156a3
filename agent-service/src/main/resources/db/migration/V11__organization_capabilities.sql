-- The capabilities registrations may be granted in an organization (seed 004's availableCapabilities, "the org's
-- allow-list"): null is every capability the deployment knows (warden.registration.available-capabilities).
ALTER TABLE organizations ADD COLUMN available_capabilities text[];
