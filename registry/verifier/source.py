"""Where a feed is read from: a local directory or an HTTP(S) address, with only the stdlib."""

from __future__ import annotations

import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO, NamedTuple, Protocol, TypeVar

from registry.errors import DomainError

TIMEOUT_SECONDS = 30
USER_AGENT = "registry-verify/1"
CHUNK_SIZE = 1 << 20  # also the size above which a downloaded body moves to a file on disk

T = TypeVar("T")


class SourceUnavailable(DomainError):
    """A feed file could not be read for a reason other than its absence."""

    code = "source_unavailable"


class FeedSource(Protocol):
    """Read-only access to the files of one feed, by path relative to the feed root."""

    location: str

    def read(self, path: str) -> bytes | None:
        """Return the bytes of the file at `path`, or None when there is no such file."""
        ...

    def open(self, path: str) -> IO[bytes] | None:
        """Return the file at `path` as a binary stream at its start, or None when absent.

        The caller closes it. Meant for the data files, which may not fit in memory.
        """
        ...


def _checked_path(path: str) -> str:
    parts = PurePosixPath(path).parts
    # A signed index names these paths, but a tampered one must not reach outside the feed.
    if not path or path.startswith("/") or "\\" in path or ".." in parts:
        raise SourceUnavailable(
            "%(path)r is not a path inside the feed",
            path=path,
        )
    return path


class DirectorySource:
    """A feed as written by the publisher, in a local directory."""

    def __init__(self, directory: str | Path) -> None:
        self.root = Path(directory)
        self.location = str(self.root)
        if not self.root.is_dir():
            raise SourceUnavailable(
                "%(root)s is not a directory",
                root=self.root,
            )

    def read(self, path: str) -> bytes | None:
        """Return the file's bytes, or None if it does not exist."""
        stream = self.open(path)
        if stream is None:
            return None
        with stream:
            try:
                return stream.read()
            except OSError as error:
                raise SourceUnavailable(
                    "cannot read %(stream_name)s: %(strerror)s",
                    stream_name=stream.name,
                    strerror=error.strerror,
                ) from None

    def open(self, path: str) -> IO[bytes] | None:
        """Return the file opened for reading, or None if it does not exist."""
        target = self.root / _checked_path(path)
        try:
            return target.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        except OSError as error:
            raise SourceUnavailable(
                "cannot read %(target)s: %(strerror)s",
                target=target,
                strerror=error.strerror,
            ) from None


# Why a worker could not read a local feed file (LocalFile.read), as a problem's text.
MISSING = "is missing"
CHANGED = "was replaced or changed while the feed was verified"


def identity(stream: IO[bytes]) -> tuple[int, int, int, int]:
    """(device, inode, size, modification time in ns) of an open file."""
    status = os.fstat(stream.fileno())
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


class LocalFile(NamedTuple):
    """A feed file (or `length` bytes of it from `offset`) on this machine's disk, named to a
    worker process, which reads it itself.

    The checks of a snapshot chunk, a log tile or a run of delta lines read its bytes where
    they run: sent through a pipe, the feed's gigabytes would cost the verifying process and
    each worker about as much as reading them. A part of a file the verifying process holds
    open carries that file's `identity`: the worker reads the part only from the same file,
    unchanged, so the checks still read the very bytes that were hashed.
    """

    path: str
    offset: int = 0
    length: int = -1
    expected: tuple[int, int, int, int] | None = None

    def read(self) -> bytes | str:
        """The bytes, or why they cannot be read (as a problem's text)."""
        try:
            with open(self.path, "rb") as stream:
                if self.expected is not None and identity(stream) != self.expected:
                    return CHANGED
                stream.seek(self.offset)
                data = stream.read(self.length)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return MISSING if self.expected is None else CHANGED
        except OSError as error:
            return f"cannot be read: {error.strerror}"
        if self.length >= 0 and len(data) != self.length:
            return CHANGED
        return data

    def part(self, offset: int, length: int) -> LocalFile:
        """`length` bytes of this file from `offset`."""
        return self._replace(offset=offset, length=length)


def local_file(source: FeedSource, path: str, opened: IO[bytes] | None = None) -> LocalFile | None:
    """The file at `path` of a feed in a local directory, when it is there; None otherwise
    (another kind of source, or no such file: the caller reads it from the source). With
    `opened`, the file as the caller holds it open (LocalFile.expected)."""
    if type(source) is not DirectorySource:
        return None
    target = source.root / _checked_path(path)
    if opened is not None:
        return LocalFile(str(target), expected=identity(opened))
    return LocalFile(str(target)) if target.is_file() else None


class HttpSource:
    """A feed served over HTTP(S), e.g. `https://registry.example/feed/`."""

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
            raise SourceUnavailable(
                "%(url)r is not an http:// or https:// address",
                url=url,
            )
        self.location = url if url.endswith("/") else f"{url}/"
        self.timeout = timeout

    def read(self, path: str) -> bytes | None:
        """Return the body fetched from `<url>/<path>`, or None on 404 or 410."""
        return self._get(path, _whole_body)

    def open(self, path: str) -> IO[bytes] | None:
        """Return the body of `<url>/<path>` in a temporary file, or None on 404 or 410."""
        return self._get(path, _spooled_body)

    def _get(self, path: str, take: Callable[[http.client.HTTPResponse], T]) -> T | None:
        url = urllib.parse.urljoin(self.location, urllib.parse.quote(_checked_path(path)))
        # The scheme was checked in __init__: only http(s), never file: or custom schemes.
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return take(response)
        except urllib.error.HTTPError as error:
            if error.code in (404, 410):
                return None
            raise SourceUnavailable(
                "GET %(url)s answered %(error_code)s %(error_reason)s",
                url=url,
                error_code=error.code,
                error_reason=error.reason,
            ) from None
        except (urllib.error.URLError, http.client.HTTPException, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", None) or error
            raise SourceUnavailable(
                "GET %(url)s failed: %(reason)s",
                url=url,
                reason=reason,
            ) from None


def _whole_body(response: http.client.HTTPResponse) -> bytes:
    return response.read()


def _spooled_body(response: http.client.HTTPResponse) -> IO[bytes]:
    """Copy the body chunk by chunk to a temporary file (in memory while small); rewind it."""
    body = tempfile.SpooledTemporaryFile(max_size=CHUNK_SIZE)  # noqa: SIM115 - returned open
    try:
        shutil.copyfileobj(response, body, CHUNK_SIZE)
        if response.length:  # read(size) ends early without an error when the server hangs up
            raise ConnectionError(f"the body ended {response.length} bytes short")
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body


def open_source(location: str) -> FeedSource:
    """Return the source for a feed directory or an http(s):// address."""
    scheme = urllib.parse.urlsplit(location).scheme.lower()
    if scheme in ("http", "https"):
        return HttpSource(location)
    if scheme and len(scheme) > 1:  # a one-letter scheme is a Windows drive letter
        raise SourceUnavailable(
            "%(location)r: only local directories and http(s) are supported",
            location=location,
        )
    return DirectorySource(location)
