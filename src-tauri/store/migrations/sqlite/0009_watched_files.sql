-- `import --watch DIR`: what was taken of each file in a watched folder, so a restarted watch
-- goes on where it stopped (a grown file from its last complete row; a replaced or shortened
-- one, told by its device and inode, from the start).
CREATE TABLE watched_files (
    dir        TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    device     INTEGER NOT NULL,
    inode      INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    lines      INTEGER NOT NULL,
    taken_ms   INTEGER NOT NULL,
    PRIMARY KEY (dir, name)
);

-- Each watch's last poll, so the wall can say whether anyone is watching and what went wrong.
CREATE TABLE watches (
    dir        TEXT    PRIMARY KEY,
    mapping    TEXT    NOT NULL,
    polled_ms  INTEGER NOT NULL,
    error      TEXT
);
