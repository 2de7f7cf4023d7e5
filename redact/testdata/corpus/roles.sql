CREATE ROLE caracal_api LOGIN PASSWORD 'sqlApiPw-1010';
ALTER ROLE caracal_sts WITH PASSWORD 'sqlStsPw-2020' VALID UNTIL 'infinity';
SELECT zone_id, policy_set_id, manifest_sha256 FROM policy_set_bindings WHERE zone_id = 'zone-a';
CREATE INDEX sessions_terminal_retention_idx ON sessions (terminated_at);
