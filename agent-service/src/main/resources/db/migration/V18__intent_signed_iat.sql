-- The newest iat of an intent signature accepted for each agent (IntentSignature). A signature had to be newer than
-- the one it replaced only, so an unsigned intent, which keeps no signature, let an admin put back a manifest the
-- agent had signed before (within the iat's five minutes; found by a security trial). Kept apart from the signature,
-- which an unsigned intent clears; null until the agent signs one (a signature still stored counts too).
ALTER TABLE agents ADD COLUMN intent_signed_iat bigint;
