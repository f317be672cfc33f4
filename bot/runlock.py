"""The SQLite runner lock: one newsbot per SQLite file. Standard library only, so `run --once`
can take it before the store (SQLAlchemy) is imported (bot/service/early.py)."""

from __future__ import annotations

import fcntl
import os


def acquire(lock_path: str) -> int | None:
    """An exclusive lock on `lock_path`, with this process's pid written in; its descriptor, or
    None when another process holds it. OSError when the file cannot be created."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def holder(lock_path: str) -> str:
    """The pid written in the lock file by the process that holds it ("unknown" if none)."""
    try:
        with open(lock_path, encoding="ascii", errors="replace") as f:
            return f.read(32).strip() or "unknown"
    except OSError:
        return "unknown"
