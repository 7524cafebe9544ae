"""Private files (ASVS V6.4, V14.1): the SQLite database and the signing keys.

The database file is created 0600 before SQLite opens it (SQLite gives its -wal and -shm files
the database's mode), and the key store writes its key files 0600. In production the app refuses
to start while either is readable or writable by the group or others, naming each file.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.engine import make_url

from runtime.config import ConfigError

PRIVATE_MODE = 0o600


def sqlite_path(database_url: str) -> Path | None:
    """The file of an SQLite database URL, or None (another database, or in memory)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def create_private_database(database_url: str) -> None:
    """Create a missing SQLite database file with mode 0600 (SQLite accepts an empty file)."""
    path = sqlite_path(database_url)
    if path is None or path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:  # another process created it first
        return
    os.fchmod(descriptor, PRIVATE_MODE)
    os.close(descriptor)


def exposed_files(paths: Iterable[Path]) -> list[str]:
    """A sentence per existing file that the group or others may read or write."""
    problems = []
    for path in paths:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            problems.append(f"{path} has mode {mode:04o}; run: chmod 600 {path}")
    return problems


def check_private_files(database_url: str, keys_dir: str) -> None:
    """Refuse (ConfigError) a database or key file that others may read or write."""
    candidates = sorted(Path(keys_dir).glob("*.pem"))
    database = sqlite_path(database_url)
    if database is not None:
        candidates.insert(0, database)
    problems = exposed_files(candidates)
    if problems:
        raise ConfigError(
            "refusing to start in production: private files are open to other users: "
            + "; ".join(problems)
        )
