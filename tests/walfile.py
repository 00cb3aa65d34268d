"""A reader of SQLite write-ahead logs, as an attacker holding a copy of a ``-wal`` file would
write it: the 32-byte header, then frames of a 24-byte header and one page each.

``frames`` returns every frame in the file, including stale ones past the current end (the
WAL is reused from its start after a checkpoint, so older frames can follow the live ones:
their salts differ from the header's). ``commits`` replays the live frames commit by commit
and yields, for each commit, every page version it wrote: what a reader reconstructing the
history of a row would look through.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

HEADER_BYTES = 32
FRAME_HEADER_BYTES = 24
MAGIC = (0x377F0682, 0x377F0683)


@dataclass(frozen=True)
class Frame:
    page_no: int
    commit_size: int  # database size in pages after a commit frame; 0 for other frames
    live: bool  # the frame's salts are the header's: part of the current log
    page: bytes


@dataclass(frozen=True)
class Wal:
    page_size: int
    frames: list[Frame]

    def commits(self) -> Iterator[dict[int, bytes]]:
        """The pages written by each committed transaction of the current log, in order."""
        pending: dict[int, bytes] = {}
        for frame in self.frames:
            if not frame.live:
                break
            pending[frame.page_no] = frame.page
            if frame.commit_size:
                yield pending
                pending = {}


def read_wal(data: bytes) -> Wal:
    if len(data) < HEADER_BYTES:
        return Wal(0, [])
    magic, _version, page_size, _seq, salt1, salt2, _c1, _c2 = struct.unpack(
        ">8I", data[:HEADER_BYTES]
    )
    if magic not in MAGIC:
        raise ValueError("not a SQLite WAL file")
    frames: list[Frame] = []
    offset = HEADER_BYTES
    while offset + FRAME_HEADER_BYTES + page_size <= len(data):
        page_no, commit, s1, s2, _f1, _f2 = struct.unpack(
            ">6I", data[offset : offset + FRAME_HEADER_BYTES]
        )
        start = offset + FRAME_HEADER_BYTES
        frames.append(
            Frame(page_no, commit, (s1, s2) == (salt1, salt2), data[start : start + page_size])
        )
        offset = start + page_size
    return Wal(page_size, frames)


def versions_holding(wal: Wal, needle: bytes) -> list[tuple[str, int]]:
    """Where ``needle`` appears: ("commit N" or "stale frame N", page number)."""
    found: list[tuple[str, int]] = []
    for n, pages in enumerate(wal.commits()):
        found.extend((f"commit {n}", no) for no, page in pages.items() if needle in page)
    for n, frame in enumerate(wal.frames):
        if not frame.live and needle in frame.page:
            found.append((f"stale frame {n}", frame.page_no))
    return found
