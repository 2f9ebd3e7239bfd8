-- PostgreSQL twin of sqlite/0022_viewing.sql (BIGINT integers).
-- The custodian's registration of grants and traceable viewing (issue 14
-- points 2-3; Art. 16: 经保管人登记后方可查阅; R-SEC-2).
--
-- A grant is registered by a custodian (registered_how 'custodian',
-- registered_by the custodian) or by the bureau's policy when the approval
-- creates it ('policy', registered_by NULL). Grants made before this
-- migration were approved under the old rule and may be in use: they are
-- marked 'before' rather than shown as registered by anyone. Registering
-- updates the grants row and bumps the access generation (in Go since
-- 0025), so a cached unregistered grant is read again at the next request.
ALTER TABLE grants ADD COLUMN registered_at BIGINT;
ALTER TABLE grants ADD COLUMN registered_by BIGINT REFERENCES users(id);
ALTER TABLE grants ADD COLUMN registered_how TEXT;
UPDATE grants SET registered_at = created_at, registered_how = 'before';
CREATE INDEX grants_unregistered ON grants(registered_at, id);

-- Whether the request asks (and its approval grants) the download of a
-- watermarked copy (下载副本) besides viewing.
ALTER TABLE access_requests ADD COLUMN download BIGINT NOT NULL DEFAULT 0;

-- The register tells viewing (查阅, 'view') from the download of a
-- watermarked copy (下载, 'copy').
ALTER TABLE viewings ADD COLUMN kind TEXT NOT NULL DEFAULT 'view';

-- The bureau's viewing policy: whether grants are registered automatically
-- when approved (1) or wait for a custodian (0, the default, as Art. 16
-- reads).
CREATE TABLE viewing_settings (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    auto_register BIGINT NOT NULL
);
INSERT INTO viewing_settings (id, auto_register) VALUES (1, 0);
