-- People and sign-in (X-SEC-1, X-SEC-2): departments in a tree, the
-- password policy's state on users, TOTP, and sign-in sessions.

-- Departments (units) form a tree through parent_id; a department is made
-- after its parent and never moves, so the tree has no cycles. Sibling
-- names are unique (COALESCE: NULLs are distinct in UNIQUE indexes).
CREATE TABLE departments (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    parent_id  INTEGER REFERENCES departments(id),
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX departments_sibling_name ON departments(COALESCE(parent_id, 0), name);

-- A column added with REFERENCES must default to NULL while foreign keys
-- are on (SQLite), which is what an account without a department has.
ALTER TABLE users ADD COLUMN department_id INTEGER REFERENCES departments(id);
-- When the password was last set (rotation); NULL for accounts made before
-- this migration and for stations, which sign in with tokens.
ALTER TABLE users ADD COLUMN password_changed_at INTEGER;
-- An initial password must be changed before anything else is allowed.
ALTER TABLE users ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;
-- Consecutive failed sign-ins and the lockout they cause.
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until INTEGER;
-- TOTP (RFC 6238): the secret (base32), set by setup and confirmed by
-- enable; the last accepted time step, so a code is never accepted twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
CREATE INDEX users_department ON users(department_id);

-- Sign-in sessions, apart from the API tokens of stations: they expire when
-- idle (last_seen) and at expires_at, and end at logout (ended_at). The
-- token is stored as its SHA-256 only.
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    hash       BLOB    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ended_at   INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Sign-in tokens used to live in tokens with the name 'session' and an
-- expiry; sessions now have their own table with an idle timeout, so the
-- old ones end here (their holders sign in again). Station tokens have no
-- expiry and stay.
DELETE FROM tokens WHERE name = 'session' AND expires_at IS NOT NULL;

-- Passwords set before this migration count from the account's creation,
-- so rotation (X-SEC-1) asks for them in due course, not at once.
UPDATE users SET password_changed_at = created_at WHERE password_hash <> '';
