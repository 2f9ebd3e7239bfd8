-- Link counts (recordings.links) and the access generation are kept in Go
-- from now on (store: LinkRecording, UnlinkRecording, bumpAccess), the same
-- way on SQLite and PostgreSQL, which has no triggers in its schema (the
-- migration runner splits statements at ";" + newline, which a function
-- body would break). Their values carry on unchanged.
DROP TRIGGER activity_recordings_link;
DROP TRIGGER activity_recordings_unlink;
DROP TRIGGER grants_insert_generation;
DROP TRIGGER grants_update_generation;
DROP TRIGGER grants_delete_generation;
DROP TRIGGER granted_recordings_insert_generation;
DROP TRIGGER granted_recordings_delete_generation;
DROP TRIGGER granted_recordings_update_generation;
DROP TRIGGER recordings_update_generation;
DROP TRIGGER recordings_delete_generation;
