"""A local folder behind the object-store interface (the default store)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from pipelines.errors import ObjectNotFound, StoreError


class LocalStore:
    """Objects are files below ``root``; writes are atomic (temp file, then rename or hard link).

    Objects get the mode a plain ``open()`` would give them (0666 less the process umask, so 0644 by
    default): a newsletter job running as another user can read them. The umask is read once, here.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()
        self._file_mode = 0o666 & ~_process_umask()

    @property
    def url(self) -> str:
        return str(self.root)

    def _path(self, key: str) -> Path:
        if key.startswith("/") or any(part in ("", ".", "..") for part in key.split("/")):
            raise StoreError(f"invalid object key {key!r}")
        return self.root.joinpath(*key.split("/"))

    def put(
        self, key: str, data: bytes, *, if_absent: bool = False, content_type: str = "application/json"
    ) -> bool:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
            os.fchmod(fd, self._file_mode)  # mkstemp creates 0600
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            if if_absent:
                try:
                    os.link(tmp_name, path)
                except FileExistsError:
                    return False
                finally:
                    os.unlink(tmp_name)
            else:
                os.replace(tmp_name, path)
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return True

    def check_writable(self) -> None:
        """Fail at once, before any work, when the store folder cannot be created or written: a probe
        file is written and deleted."""
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(
                f"the store path {self.root} is a file, not a folder: point store.url at a folder"
            )
        probe = self.root / f".tmp-probe-{uuid.uuid4().hex}"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe.write_bytes(b"probe")
            probe.unlink()
        except OSError as exc:
            raise StoreError(
                f"cannot write to the store folder {self.root}: {exc.strerror or exc}; check that it is a "
                "writable folder for this user (or point store.url elsewhere)"
            ) from None

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        except OSError as exc:
            raise StoreError(f"cannot read {key}: {exc.strerror or exc}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> Iterator[str]:
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self._path(folder) if folder else self.root
        if not start.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames.sort()
            for name in sorted(filenames):
                if name.startswith(".tmp-"):
                    continue
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key


def _process_umask() -> int:
    """The process umask (``os.umask`` can only be read by setting it, so it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
