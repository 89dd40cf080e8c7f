"""One camera path on the simulated RTSP server: its clock, its sessions and its failures.

A camera runs on a wall clock from its "boot", like a real one: the clip loops forever with RTP
timestamps that keep increasing across loops, and a client that connects while others watch
joins the running stream at the next keyframe rather than at the clip's start. The clock starts
at the first PLAY after the camera is added or restarted, so that first client gets frame 0 at
once instead of waiting up to a GOP, which keeps tests quick and deterministic. One broadcaster
task per camera paces every packet from its timestamp and fans it out to all playing sessions,
so N clients of a camera cost one timeline, not N.

Public methods are safe to call from the test thread: they run on the server's loop and
return once done (drop() returns after the sockets are closed).
"""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
import random
import time
from typing import TYPE_CHECKING

from .clips import ClipSpec
from .rtp import NTP_EPOCH_OFFSET, RtpItem, RtpTrack, prepare_tracks
from .rtp import session_description as _sdp
from .session import SentFrame, Session, SessionStats, UdpImpairment

if TYPE_CHECKING:
    from .server import RtspConnection, RtspServer

# Everything due within 40 ms goes out in one wake-up and one write per client: about 25
# wake-ups and sends a second per camera, whatever the audio packet rate.
LEAD = 0.04
REPORT_INTERVAL = 1.0  # RTCP sender reports, per track and session


@dataclasses.dataclass(frozen=True)
class CameraStats:
    connections: int  # open RTSP connections that addressed this camera
    playing: int  # sessions receiving media now
    sessions: int  # sessions that ever played since the camera was added
    packets: int
    octets: int
    frames: int


class Boot:
    """What a camera picks at power-on: SSRCs and timestamp bases, and its clock origin."""

    def __init__(self, track_count: int):
        self.ssrcs = random.sample(range(1, 1 << 32), track_count)
        self.ts_bases = [random.getrandbits(32) for _ in range(track_count)]
        self.mono: float | None = None
        self.ntp = 0

    def power_on(self, now: float) -> None:
        """Start the clock, at the first PLAY: that client gets the clip from frame 0, at once."""
        if self.mono is None:
            self.mono = now
            self.ntp = int((time.time() + NTP_EPOCH_OFFSET) * (1 << 32))

    def ticks(self, now: float, clock: int) -> int:
        return int((now - self.mono) * clock)

    def ntp_at(self, ticks: int, clock: int) -> int:
        # Derived from the RTP ticks, so the NTP/RTP pairs of all reports lie on one line.
        return self.ntp + (ticks << 32) // clock


class Cursor:
    """The next item a track will send, as (origin + loop * period + item offset) ticks."""

    __slots__ = ("track", "origin", "loop", "index")

    def __init__(self, track: RtpTrack, origin: int = 0):
        self.track, self.origin, self.loop, self.index = track, origin, 0, 0

    @property
    def item(self) -> RtpItem:
        return self.track.items[self.index]

    @property
    def ticks(self) -> int:
        return self.origin + self.loop * self.track.period + self.track.offsets[self.index]

    def advance(self) -> None:
        self.index += 1
        if self.index == len(self.track.items):
            self.index, self.loop = 0, self.loop + 1

    def seek(self, ticks: int) -> None:
        """Skip to the first item at or after ticks: what a camera sent while nobody listened."""
        if ticks <= self.ticks:
            return
        self.loop, rest = divmod(ticks - self.origin, self.track.period)
        self.index = bisect.bisect_left(self.track.offsets, rest)
        if self.index == len(self.track.items):
            self.index, self.loop = 0, self.loop + 1


class Camera:
    """A path on the server, e.g. rtsp://127.0.0.1:PORT/cam1, streaming one clip in a loop."""

    def __init__(self, server: RtspServer, path: str, spec: ClipSpec):
        self.path = path
        self.credentials: tuple[str, str] | None = None  # (user, password) demands Digest
        self.udp_impairment: UdpImpairment | None = None  # see impair_udp()
        self._server = server
        self._spec = spec
        self._tracks = prepare_tracks(spec)  # encodes (or loads) in the caller's thread
        self._pending: tuple[ClipSpec, RtpTrack] | None = None
        self._sessions: set[Session] = set()
        self._history: list[Session] = []
        self._connections: set[RtspConnection] = set()
        self._stalled_until = self._refused_until = 0.0
        self._sdp_version = 1
        self._boot: Boot | None = None
        self._cursors: list[Cursor] = []
        self._next_report = 0.0
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None

    # --- public, any thread -------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"rtsp://{self._server.host}:{self._server.port}/{self.path}"

    @property
    def spec(self) -> ClipSpec:
        """The clip being sent now (after switch_clip, once its first keyframe went out)."""
        return self._spec

    def drop(self) -> None:
        """Close every client connection at once, as a camera losing its network would."""
        self._server.call(self._drop)

    def stall(self, seconds: float) -> None:
        """Send no media and answer no request for seconds, with every socket left open."""
        self._server.call(self._set_stall, seconds)

    def impair_udp(self, loss: float = 0.0, reorder: float = 0.0, seed: int | None = None) -> None:
        """From now on lose `loss` of the RTP datagrams sent over UDP, and swap `reorder` of them
        with the next datagram of their frame, at random (seeded), as a poor network would.

        A video frame that lost a datagram is counted as dropped and left out of sent_frames();
        a reordered one arrives whole. impair_udp() with no arguments mends the network.
        """
        impairment = UdpImpairment(loss, reorder, random.Random(seed)) if loss or reorder else None
        self._server.call(setattr, self, "udp_impairment", impairment)

    def refuse_for(self, seconds: float) -> None:
        """Drop every client; for seconds, answer any request for this path with 503 and close."""
        self._server.call(self._refuse, seconds)

    def restart(self) -> None:
        """Reboot: drop every client and pick new SSRCs and timestamp bases."""
        self._server.call(self._restart)

    def switch_clip(self, spec: ClipSpec) -> None:
        """Change the picture at the next keyframe, clients staying connected (new in-band SPS).

        Only the video may change, within its codec: a change of codec or audio would need a
        new SDP, which a real camera gets by rebooting (use a new camera for that).
        """
        tracks = prepare_tracks(spec)
        if len(tracks) != len(self._tracks) or not all(
            a.same_format(b) for a, b in zip(tracks, self._tracks, strict=True)
        ):
            raise ValueError("switch_clip can change resolution, rate or GOP, not codecs or audio")
        self._server.call(self._set_pending, spec, tracks[0])

    def stats(self) -> CameraStats:
        return self._server.call(self._stats)

    def sessions(self) -> list[SessionStats]:
        """Every session that played on this camera, oldest first."""
        return self._server.call(lambda: [s.stats() for s in self._history])

    def sent_frames(self, session: int = -1) -> list[SentFrame]:
        """Video access units sent to a session: by default the one that started playing last."""
        return self._server.call(lambda: list(self._history[session].sent_frames) if self._history else [])

    def ssrcs(self) -> tuple[int, ...]:
        return self._server.call(lambda: tuple(self._boot.ssrcs))

    def wait_playing(self, count: int = 1, timeout: float = 10.0) -> None:
        """Block until count sessions are receiving media, e.g. after starting a recorder."""
        deadline = time.monotonic() + timeout
        while self._server.call(lambda: sum(s.playing for s in self._sessions)) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.path}: fewer than {count} sessions playing after {timeout}s")
            time.sleep(0.05)

    # --- used by the server's connections, loop thread ----------------------------------------

    def admission(self, now: float) -> str:
        if now < self._refused_until:
            return "refused"
        if now < self._stalled_until:
            return "stalled"
        return "ok"

    def describe(self) -> str:
        return _sdp(self._tracks, self._session_id, self._sdp_version, self.path)

    @property
    def track_count(self) -> int:
        return len(self._tracks)

    def open_session(self, connection: RtspConnection, session_id: str) -> Session:
        session = Session(self, connection, session_id)
        self._sessions.add(session)
        return session

    def play_info(self, session: Session, now: float) -> list[tuple[str, int, int]]:
        """(setup url, first seq, RTP timestamp of now) per track, for the RTP-Info header."""
        self._boot.power_on(now)
        info = []
        for index in sorted(session.sinks):
            ticks = self._boot.ticks(now, self._tracks[index].clock)
            rtptime = session.play_timestamps[index] = (self._boot.ts_bases[index] + ticks) & 0xFFFFFFFF
            info.append((session.setup_urls[index], session.seq[index], rtptime))
        return info

    def start(self, session: Session, now: float) -> None:
        """Start media to session (after the PLAY reply went out): reports first, then packets."""
        if not session.playing:
            session.playing, session.need_keyframe = True, True
            if session not in self._history:
                self._history.append(session)
        self._report(session, now)
        session.flush()
        self._wake.set()

    def end_session(self, session: Session) -> None:
        session.close()
        self._sessions.discard(session)

    def forget(self, connection: RtspConnection) -> None:
        self._connections.discard(connection)

    def attach(self, connection: RtspConnection) -> None:
        self._connections.add(connection)

    def attach_loop(self) -> None:
        self._session_id = random.getrandbits(48)
        self._boot_at()
        self._wake = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"camera {self.path}")

    def detach_loop(self) -> None:
        self._drop()
        if self._task:
            self._task.cancel()

    # --- internals, loop thread ---------------------------------------------------------------

    def _boot_at(self) -> None:
        self._boot = Boot(len(self._tracks))
        self._cursors = [Cursor(track) for track in self._tracks]

    def _drop(self) -> None:
        for connection in list(self._connections):
            connection.abort()
        for session in list(self._sessions):
            self.end_session(session)

    def _set_stall(self, seconds: float) -> None:
        self._stalled_until = asyncio.get_running_loop().time() + seconds

    def _refuse(self, seconds: float) -> None:
        self._refused_until = asyncio.get_running_loop().time() + seconds
        self._drop()

    def _restart(self) -> None:
        self._drop()
        self._pending = None
        self._stalled_until = 0.0  # a reboot un-hangs a hung camera
        self._boot_at()
        self._sdp_version += 1

    def _set_pending(self, spec: ClipSpec, track: RtpTrack) -> None:
        self._pending = (spec, track)
        if not any(s.playing for s in self._sessions):
            # Nobody watching: switch now, so the next DESCRIBE already has the new SDP.
            self._switch(self._cursors[0])

    def _switch(self, cursor: Cursor) -> Cursor:
        """Start the pending clip where cursor stands; timestamps stay continuous."""
        (self._spec, track), self._pending = self._pending, None
        self._tracks = (track, *self._tracks[1:])
        self._cursors[0] = Cursor(track, origin=cursor.ticks)
        self._sdp_version += 1
        return self._cursors[0]

    def _stats(self) -> CameraStats:
        return CameraStats(
            connections=len(self._connections),
            playing=sum(s.playing for s in self._sessions),
            sessions=len(self._history),
            packets=sum(sum(s.packets.values()) for s in self._history),
            octets=sum(sum(s.octets.values()) for s in self._history),
            frames=sum(s.frames for s in self._history),
        )

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not any(s.playing for s in self._sessions):
                self._wake.clear()
                await self._wake.wait()
                self._seek(loop.time())
                continue
            now = loop.time()
            if now < self._stalled_until:
                await asyncio.sleep(self._stalled_until - now)
                self._seek(loop.time())
                continue
            if now >= self._next_report:
                for session in self._sessions:
                    if session.playing:
                        self._report(session, now)
                self._next_report = now + REPORT_INTERVAL
            while True:
                index = min(range(len(self._cursors)), key=self._due)
                if self._due(index) > now + LEAD:
                    break
                self._emit(index)
            for session in self._sessions:
                session.flush()
            wake = min(min(map(self._due, range(len(self._cursors)))), self._next_report)
            await asyncio.sleep(max(0.0, wake - loop.time()))

    def _due(self, index: int) -> float:
        cursor = self._cursors[index]
        return self._boot.mono + cursor.ticks / cursor.track.clock

    def _seek(self, now: float) -> None:
        # Items that fell due during the last LEAD still go out: the keyframe of a PLAY that
        # powered the camera on is due the very moment the broadcaster wakes up.
        for cursor in self._cursors:
            cursor.seek(self._boot.ticks(now - LEAD, cursor.track.clock))

    def _emit(self, index: int) -> None:
        cursor = self._cursors[index]
        video = cursor.track.kind == "video"
        if video and self._pending and cursor.item.keyframe:
            # The new clip starts where this keyframe would have; its first access unit is a
            # keyframe carrying the new parameter sets in-band.
            cursor = self._switch(cursor)
        item = cursor.item
        timestamp = (self._boot.ts_bases[index] + cursor.ticks) & 0xFFFFFFFF
        ssrc = self._boot.ssrcs[index]
        sent = None
        if video:
            sent = SentFrame(timestamp, item.frame_index, cursor.loop, item.keyframe, self._spec)
        for session in self._sessions:
            if session.playing:
                session.send(index, item, timestamp, ssrc, sent)
        cursor.advance()

    def _report(self, session: Session, now: float) -> None:
        for index in session.sinks:
            clock = self._tracks[index].clock
            ticks = self._boot.ticks(now, clock)
            timestamp = (self._boot.ts_bases[index] + ticks) & 0xFFFFFFFF
            session.send_report(index, self._boot.ssrcs[index], self._boot.ntp_at(ticks, clock), timestamp)
