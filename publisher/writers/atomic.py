"""Crash-safe file writes for the feed: readers see the old file or the new one, never a torn one.

Content streams through a temporary file in the target's directory (so the final rename stays
on one filesystem), is flushed and fsynced, renamed over the target, and the directory is
fsynced so the rename itself survives a power cut. A failure at any point removes the
temporary file and leaves the previous file untouched.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from registry.errors import Conflict, InvalidValue

Content = bytes | bytearray | Iterable[bytes]

# Feed files are public and served by a web server running as another user.
PUBLIC_FILE_MODE = 0o644

_SPACE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class FeedWriteError(OSError):
    """Writing a feed file failed; the previous version of the file is unchanged."""


class ImmutableFileChanged(Conflict):
    """An immutable feed file already exists with different content."""

    code = "immutable_file_changed"

    def __init__(self, path: Path, existing_sha256: str, new_sha256: str) -> None:
        super().__init__(
            f"{path} already exists with different content (sha256 {existing_sha256}, new "
            f"{new_sha256}); published versions are immutable, so publish under a new version"
        )
        self.path = path


def _chunks(content: Content) -> Iterator[bytes]:
    if isinstance(content, bytes | bytearray):
        yield bytes(content)
        return
    for number, chunk in enumerate(content):
        if not isinstance(chunk, bytes | bytearray):
            reason = f"chunk {number} is {type(chunk).__name__}, expected bytes"
            raise InvalidValue("content", reason)
        yield bytes(chunk)


def _write_failed(path: Path, error: OSError) -> FeedWriteError:
    if error.errno in _SPACE_ERRORS:
        reason = "no space left on the device (or quota exceeded)"
    else:
        reason = error.strerror or str(error)
    message = f"could not write {path}: {reason}; the previous version of the file is unchanged"
    return FeedWriteError(error.errno or errno.EIO, message, str(path))


def _write_temporary(path: Path, content: Content) -> tuple[Path, str, int]:
    """Stream `content` into a synced temporary file beside `path`; return it, sha256, size."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _write_failed(path, error) from error
    temporary = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as stream:
            os.fchmod(stream.fileno(), PUBLIC_FILE_MODE)
            for chunk in _chunks(content):
                digest.update(chunk)
                size += len(chunk)
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _write_failed(path, error) from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary, digest.hexdigest(), size


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _install(temporary: Path, path: Path) -> None:
    try:
        os.replace(temporary, path)
        _fsync_directory(path.parent)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _write_failed(path, error) from error


def file_sha256(path: Path) -> tuple[str, int] | None:
    """Return the sha256 hex and size of the file at `path`, or None if there is none."""
    try:
        with path.open("rb") as stream:
            digest = hashlib.file_digest(stream, "sha256")
            return digest.hexdigest(), stream.tell()
    except FileNotFoundError:
        return None


def write_atomic(path: str | os.PathLike[str], content: Content) -> tuple[str, int]:
    """Replace `path` with `content` (bytes or byte chunks) atomically; return (sha256, size)."""
    target = Path(path)
    temporary, sha256, size = _write_temporary(target, content)
    _install(temporary, target)
    return sha256, size


def write_immutable(path: str | os.PathLike[str], content: Content) -> tuple[str, int]:
    """Create `path` once: the same content again is a no-op, different content raises."""
    target = Path(path)
    temporary, sha256, size = _write_temporary(target, content)
    existing = file_sha256(target)
    if existing is None:
        # The publisher's lock guarantees a single writer, so nothing can appear between
        # the check and the rename.
        _install(temporary, target)
        return sha256, size
    temporary.unlink(missing_ok=True)
    if existing != (sha256, size):
        raise ImmutableFileChanged(target, existing[0], sha256)
    return sha256, size


def write_new_files(files: Iterable[tuple[Path, bytes]]) -> int:
    """Create each of `files` (path, content) not on disk yet, durably; return how many were.

    What `write_immutable` does for each new file, with the syncs shared: every temporary file
    is written first and only then each is fsynced (on a journaling filesystem the first sync
    commits the others' data too, so the rest cost little), then each is renamed into place,
    and each directory is fsynced once at the end. A path already on disk is left as it is.
    A failure removes the temporaries not yet renamed; files renamed before it are complete.
    """
    pending: list[tuple[Path, Path, BinaryIO]] = []
    installed = 0
    try:
        for path, content in files:
            if not path.exists():
                pending.append(_open_temporary(path))
                _write_open(pending[-1], content)
        for path, _temporary, stream in pending:
            try:
                os.fsync(stream.fileno())
                stream.close()
            except OSError as error:
                raise _write_failed(path, error) from error
        directories: dict[Path, Path] = {}
        for path, temporary, _stream in pending:
            try:
                os.replace(temporary, path)
            except OSError as error:
                raise _write_failed(path, error) from error
            installed += 1
            directories[path.parent] = path
        for directory, path in directories.items():
            try:
                _fsync_directory(directory)
            except OSError as error:
                raise _write_failed(path, error) from error
        return installed
    finally:
        for _path, temporary, stream in pending[installed:]:
            # Closing flushes what a failed write left buffered, and fails the same way: the
            # error already raised is the one to report.
            with contextlib.suppress(OSError):
                stream.close()
            temporary.unlink(missing_ok=True)


def _open_temporary(path: Path) -> tuple[Path, Path, BinaryIO]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _write_failed(path, error) from error
    return path, Path(name), os.fdopen(descriptor, "wb")


def _write_open(opened: tuple[Path, Path, BinaryIO], content: bytes) -> None:
    path, _temporary, stream = opened
    try:
        os.fchmod(stream.fileno(), PUBLIC_FILE_MODE)
        stream.write(content)
        stream.flush()
    except OSError as error:
        raise _write_failed(path, error) from error


def write_addressed(
    directory: str | os.PathLike[str], name_for: Callable[[str], str], content: Content
) -> tuple[Path, str, int]:
    """Write `content` once under the name `name_for(sha256)`; return (path, sha256, size).

    The name is derived from the content's hash, so an existing file of that name already
    holds these bytes and is left alone: an addressed file is never overwritten.
    """
    folder = Path(directory)
    temporary, sha256, size = _write_temporary(folder / ".addressed", content)
    target = folder / name_for(sha256)
    if file_sha256(target) == (sha256, size):
        temporary.unlink(missing_ok=True)
        return target, sha256, size
    _install(temporary, target)
    return target, sha256, size
