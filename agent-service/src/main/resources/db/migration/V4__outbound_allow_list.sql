-- Internal addresses and names an organization's agents may name in webhook_url and mcp_server_url (OutboundUrls):
-- CIDR blocks, host names or *.suffixes. Set by platform administrators; empty admits nothing internal.
ALTER TABLE organizations ADD COLUMN outbound_allow_list text[] NOT NULL DEFAULT '{}';
