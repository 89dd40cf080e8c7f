"""The embedded Celery broker: kombu's filesystem transport with its file races closed.

kombu's transport (5.x) creates an exchange table with `open("wb")` before it takes the lock, so
workers that start together truncate and interleave each other's tables: one crashes on the JSON it
reads, another loses its binding, and the corrupt table then stops every later start. It also writes
a message file in place, so a consumer can claim the file before its bytes land and read nothing, and
it claims through the system temp folder, which is not atomic when that is another filesystem.

Here every file appears whole: a table is created already valid (linked into place, so it never
replaces one another process made) and changed only under its lock; a message is written under a
temporary name and renamed into the queue; a consumer claims a message by renaming it inside the
broker folder, which exactly one consumer can win.
"""

import logging
import os
import tempfile
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.transport.filesystem import LOCK_EX, exchange_queue_t, lock, unlock
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)


def _write_whole(folder: str | Path, final: str | Path, data: bytes, *, replace: bool) -> bool:
    """Write `data` to a hidden temporary file in `folder`, then move it to `final` in one step.

    With `replace=False` the move is a hard link, which fails when `final` exists: False is returned
    and the file that is already there is kept.
    """
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if replace:
            os.replace(temporary, final)
            return True
        try:
            os.link(temporary, final)
        except FileExistsError:
            return False
        return True
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _parse_table(raw: bytes, file: Path) -> list[exchange_queue_t]:
    try:
        return [exchange_queue_t(*q) for q in loads(bytes_to_str(raw))]
    except (ValueError, TypeError):
        # Only an older kombu's racing writes leave such a file; the workers bound to it declare
        # their queues again when they start, so an empty table heals it.
        logger.warning("exchange table %s was corrupt; starting it afresh", file)
        return []


class Channel(filesystem.Channel):
    def _table_file(self, exchange) -> Path:
        file = self._exchange_file(exchange)
        if not file.exists():
            self.control_folder.mkdir(parents=True, exist_ok=True)
            _write_whole(self.control_folder, file, b"[]", replace=False)
        return file

    def get_table(self, exchange):
        file = self._exchange_file(exchange)
        try:
            with file.open("rb") as f:
                lock(f, filesystem.LOCK_SH)
                try:
                    return _parse_table(f.read(), file)
                finally:
                    unlock(f)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        entry = exchange_queue_t(routing_key or "", pattern or "", queue or "")
        file = self._table_file(exchange)
        try:
            with file.open("rb+", buffering=0) as f:
                lock(f, LOCK_EX)
                try:
                    queues = _parse_table(f.read(), file)
                    if entry not in queues:
                        queues.insert(0, entry)
                        f.seek(0)
                        f.write(str_to_bytes(dumps(queues)))
                        f.truncate()
                finally:
                    unlock(f)
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc

    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        try:
            _write_whole(
                self.data_folder_out,
                os.path.join(self.data_folder_out, name),
                str_to_bytes(dumps(payload)),
                replace=True,
            )
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc

    def _get(self, queue):
        wanted = f"{queue}.msg"
        claimed_folder = Path(self.processed_folder)
        claimed_folder.mkdir(parents=True, exist_ok=True)
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = claimed_folder / name
            try:  # a rename in one filesystem: exactly one consumer gets the message
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue
            try:
                payload = claimed.read_bytes()
                if not self.store_processed:
                    claimed.unlink()
            except OSError as exc:
                raise ChannelError(f"Cannot read file {str(claimed)!r} from queue.") from exc
            return loads(bytes_to_str(payload))
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel
