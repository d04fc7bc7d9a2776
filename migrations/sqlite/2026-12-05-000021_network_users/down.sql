-- A network-wide user cannot be expressed in the earlier schema, and
-- dropping one would orphan its sessions' and audit entries' references:
-- not undone.
SELECT 1;
