-- The node running a registry import from the pages beats this every few seconds. A run still
-- marked running whose beat has stopped was cut off (its node stopped or restarted); the server
-- marks it failed, since an import is all or nothing and an interrupted one wrote nothing.

ALTER TABLE registry_import_runs ADD COLUMN heartbeat_at BIGINT;
