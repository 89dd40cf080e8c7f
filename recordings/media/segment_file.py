"""The file a segment's muxer writes into: append-only on disk, and it notices each fragment.

PyAV hands every muxed byte to `write()` in small pieces. We follow the top-level box structure
on the way, keeping only small boxes (ftyp, moov, moof) whole, and hand the kernel one write per
complete `moof`+`mdat` (the init section rides with the first), reporting each fragment the
moment its last byte is written. A crash loses only the fragment still being assembled.
"""

import os
import struct
from collections.abc import Callable

FragmentCallback = Callable[[bytes, int, int], None]  # (moof box, file offset, moof+mdat size)


class SegmentFile:
    def __init__(self, path: str, on_fragment: FragmentCallback):
        # "x": a segment is written once; an existing file is never overwritten.
        self._file = open(path, "xb", buffering=0)  # noqa: SIM115 - closed by close()
        self.path = path
        self._on_fragment = on_fragment
        self.position = 0  # bytes received from the muxer
        self.init_size = 0  # ftyp+moov, known once the moov is complete
        self.moov = b""
        self._box = bytearray()  # the small box being collected (header first)
        self._box_start = 0
        self._mdat_left = 0
        self._moof: tuple[bytes, int] | None = None
        self._unwritten = bytearray()  # received but not yet handed to the kernel
        self._written = 0  # file offset up to which bytes are on their way to disk

    # --- the file-like interface PyAV uses -----------------------------------------------------
    def write(self, data) -> int:
        self._unwritten += data
        self._follow(memoryview(data))
        self.position += len(data)
        return len(data)

    def flush(self) -> None:
        pass  # the muxer flushes per packet; we write per fragment

    def close(self) -> None:
        if self._file.closed:
            return
        try:
            self._write_until(self.position)  # what trails the last fragment (the muxer's last boxes)
            os.fsync(self._file.fileno())
        finally:
            self._file.close()

    def _write_until(self, end: int) -> None:
        count = end - self._written
        if count > 0:
            self._file.write(self._unwritten[:count])
            del self._unwritten[:count]
            self._written = end

    # --- box tracking --------------------------------------------------------------------------
    def _follow(self, data: memoryview) -> None:
        at = 0
        offset = self.position
        while at < len(data):
            if self._mdat_left:
                step = min(self._mdat_left, len(data) - at)
                self._mdat_left -= step
                at += step
                if not self._mdat_left:
                    self._fragment_done(offset + at)
                continue
            if not self._box:
                self._box_start = offset + at
            need = self._needed()
            take = min(need - len(self._box), len(data) - at)
            self._box += data[at : at + take]
            at += take
            if len(self._box) < need:
                continue
            size, kind = self._header()
            if size is None:
                continue  # a 64-bit size header: collect 8 more bytes first
            if kind == b"mdat":
                self._mdat_left = size - len(self._box)
                self._box.clear()
                if not self._mdat_left:
                    self._fragment_done(offset + at)
            elif len(self._box) >= size:
                self._box_done(kind, bytes(self._box))
                self._box.clear()

    def _needed(self) -> int:
        if len(self._box) < 8:
            return 8
        size, kind = struct.unpack_from(">I4s", self._box)
        if size == 1:
            if len(self._box) < 16:
                return 16
            size = struct.unpack_from(">Q", self._box, 8)[0]
        return 16 if kind == b"mdat" and size == 1 else (8 if kind == b"mdat" else size)

    def _header(self) -> tuple[int | None, bytes]:
        size, kind = struct.unpack_from(">I4s", self._box)
        if size == 1:
            if len(self._box) < 16:
                return None, kind
            size = struct.unpack_from(">Q", self._box, 8)[0]
        return size, kind

    def _box_done(self, kind: bytes, box: bytes) -> None:
        if kind == b"moov":
            self.moov = box
            self.init_size = self._box_start + len(box)
        elif kind == b"moof":
            self._moof = (box, self._box_start)

    def _fragment_done(self, end: int) -> None:
        self._write_until(end)
        if self._moof is None:
            return  # an mdat without a moof is not a fragment (not written by our muxer)
        moof, start = self._moof
        self._moof = None
        self._on_fragment(moof, start, end - start)
