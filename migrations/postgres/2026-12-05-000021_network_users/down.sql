-- A network-wide user cannot be expressed in the earlier schema: not undone.
SELECT 1;
