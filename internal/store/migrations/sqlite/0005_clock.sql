-- Device clock offset measured at docking (R-DEV-2; Art. 5): the device's
-- clock minus the server's, in milliseconds, positive when the device is
-- ahead; NULL when the station did not measure it. clock_measured_at is the
-- docking moment on the server's clock (INTEGER microseconds UTC).
ALTER TABLE recordings ADD COLUMN clock_offset_ms INTEGER;
ALTER TABLE recordings ADD COLUMN clock_measured_at INTEGER;
