"""Benchmark: the recorder against `ffmpeg -c copy -f segment` on the same simulated 1080p cameras.

For 1, 10 and 40 cameras (1080p25 H.264 ~6 Mbit/s, GOP 2 s, AAC), over RTSP/TCP and UDP, it runs
in turn, each for --seconds against the same camera server (its own process):
  - ours:   RecordingLoop threads, --per-process cameras to a process (ingest worker processes);
  - ffmpeg: one `ffmpeg -rtsp_transport T -i URL -c copy -f segment` process per camera;
  - demux:  one process reading and dropping packets with PyAV, the floor of libavformat's input;
  - ours-libav: the recorder on libavformat's RTSP client (NVR_RTSP_CLIENT=libav);
  - own-demux: our RTSP client (TCP interleaved, or UDP datagrams) reading and dropping packets,
    the floor of our input path.
It prints CPU seconds per camera-minute, RSS (steady, and the start-up peak), bytes written per
media byte and write calls per second per camera, with ours/ffmpeg ratios.

    .venv/bin/python bench/recorder.py [--counts 1,10,40] [--transports tcp,udp] [--seconds 20]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- child processes ---------------------------------------------------------------------------
def serve_cameras(count: int) -> None:
    """Child: an RTSP server with `count` 1080p cameras; prints their URLs, runs until killed."""
    from tests.support.rtsp_camera import BENCH_1080P_H264, RtspServer

    server = RtspServer().start()
    urls = [server.add_camera(BENCH_1080P_H264).url for _ in range(count)]
    print(json.dumps(urls), flush=True)
    while True:
        time.sleep(3600)


def run_ours(urls: list[str], transport: str, out: str, seconds: float) -> None:
    """Child: record every camera with the recorder's loop, one thread each; report media bytes."""
    import threading

    from recordings.media.index import FragmentWritten
    from recordings.media.session import RecordingLoop
    from recordings.media.source import SourceConfig

    stop = threading.Event()
    fragments = [0]

    def emit(record):
        if isinstance(record, FragmentWritten):
            fragments[0] += 1

    loops = []
    for index, url in enumerate(urls):
        loop = RecordingLoop(
            camera_dir=f"cam{index}",
            source=SourceConfig(url, transport),
            root=out,
            segment_seconds=60,
            record_audio=True,
            emit=emit,
            stop=stop,
        )
        thread = threading.Thread(target=loop.run, daemon=True)
        thread.start()
        loops.append(thread)
        time.sleep(0.05)  # stagger connects so probing does not spike together
    time.sleep(seconds)
    stop.set()
    for thread in loops:
        thread.join(10)
    print(json.dumps({"fragments": fragments[0]}), flush=True)


def run_demux(urls: list[str], transport: str, seconds: float, own: bool = False) -> None:
    """Child: read and drop every packet, the cost of the input path alone."""
    import threading

    import av

    from recordings.media.rtsp.source import RtspSource
    from recordings.media.source import SourceConfig

    stop = threading.Event()
    media = [0]

    def read(url):
        if own:
            source = RtspSource.open(SourceConfig(url, transport))
            for _, packet in source.packets():
                media[0] += packet.size
                if stop.is_set():
                    source.close()
                    return
        with av.open(url, options={"rtsp_transport": transport}, timeout=(5, 5)) as container:
            for packet in container.demux():
                media[0] += packet.size
                if stop.is_set():
                    return

    threads = [threading.Thread(target=read, args=(url,), daemon=True) for url in urls]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(10)
    print(json.dumps({"media_bytes": media[0]}), flush=True)


# --- measuring ----------------------------------------------------------------------------------
def proc_sample(pid: int) -> dict:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    io = dict(line.split(": ") for line in open(f"/proc/{pid}/io").read().splitlines())
    return {
        "cpu": cpu,
        "rss": int(status["VmRSS"].split()[0]) * 1024,
        "hwm": int(status["VmHWM"].split()[0]) * 1024,
        "write_bytes": int(io["wchar"]),
        "syscw": int(io["syscw"]),
    }


def measure(processes: list[subprocess.Popen], seconds: float, warmup: float) -> dict:
    """CPU, RSS and write figures of `processes` over `seconds`, after `warmup`."""
    time.sleep(warmup)
    before = [proc_sample(p.pid) for p in processes]
    time.sleep(seconds)
    after = [proc_sample(p.pid) for p in processes]
    return {
        "cpu": sum(a["cpu"] - b["cpu"] for a, b in zip(after, before, strict=True)),
        "rss": sum(a["rss"] for a in after),
        "hwm": sum(a["hwm"] for a in after),
        "write_bytes": sum(a["write_bytes"] - b["write_bytes"] for a, b in zip(after, before, strict=True)),
        "syscw": sum(a["syscw"] - b["syscw"] for a, b in zip(after, before, strict=True)),
    }


def media_rate(urls, transport, seconds, child="demux") -> float:
    """Media bytes per second the cameras deliver, measured by the demux-only reader."""
    cmd = [sys.executable, __file__, "--child", child, "--transport", transport, "--seconds", str(seconds)]
    proc = subprocess.Popen([*cmd, "--urls", json.dumps(urls)], stdout=subprocess.PIPE, text=True)
    figures = measure([proc], seconds - 4, 3)
    out, _ = proc.communicate(timeout=60)
    return json.loads(out.strip().splitlines()[-1])["media_bytes"] / seconds, figures


def bench(count: int, transport: str, seconds: float, per_process: int) -> dict:
    server = subprocess.Popen(
        [sys.executable, __file__, "--child", "serve", "--count", str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        urls = json.loads(server.stdout.readline())
        window = seconds
        rate, demux = media_rate(urls, transport, window + 5)

        ours = run_recorder(urls, transport, window)
        extra = {
            "ours-libav": run_recorder(urls, transport, window, {"NVR_RTSP_CLIENT": "libav"}),
            "own-demux": media_rate(urls, transport, window + 5, "own-demux")[1],
        }

        out = tempfile.mkdtemp(prefix="bench-ffmpeg-")
        ffmpegs = [
            subprocess.Popen(
                [
                    "ffmpeg",
                    "-nostdin",
                    "-loglevel",
                    "error",
                    "-rtsp_transport",
                    transport,
                    "-i",
                    url,
                    "-c",
                    "copy",
                    "-f",
                    "segment",
                    "-segment_time",
                    "60",
                    "-reset_timestamps",
                    "1",
                    f"{out}/cam{i}-%03d.mp4",
                ]
            )
            for i, url in enumerate(urls)
        ]
        ffmpeg = measure(ffmpegs, window, 5)
        for proc in ffmpegs:
            proc.terminate()
        for proc in ffmpegs:
            proc.wait(10)
        shutil.rmtree(out, ignore_errors=True)
    finally:
        server.kill()
        server.wait()
    media = rate * window
    return {
        "count": count,
        "transport": transport,
        "seconds": window,
        "media_bytes": media,
        "ours": ours,
        "ffmpeg": ffmpeg,
        "demux": demux,
        **extra,
    }


def run_recorder(urls, transport, window, env=None) -> dict:
    out = tempfile.mkdtemp(prefix="bench-ours-")
    cmd = [
        sys.executable,
        __file__,
        "--child",
        "ours",
        "--transport",
        transport,
        "--seconds",
        str(window + 6),
    ]
    cmd += ["--out", out, "--urls", json.dumps(urls)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    figures = measure([proc], window, 5)
    proc.communicate(timeout=60)
    shutil.rmtree(out, ignore_errors=True)
    return figures


def report(result: dict) -> None:
    n, window = result["count"], result["seconds"]
    camera_minutes = n * window / 60

    def row(name, r):
        return (
            f"  {name:10s} CPU {r['cpu'] / camera_minutes:6.2f} s/cam-min  RSS {r['rss'] / 2**20:7.1f} MB "
            f"(peak {r['hwm'] / 2**20:7.1f})  written/media {r['write_bytes'] / result['media_bytes']:.4f}  "
            f"writes/s/cam {r['syscw'] / window / n:7.1f}"
        )

    print(
        f"{n} camera(s), RTSP/{result['transport'].upper()}, {window:.0f} s, "
        f"media {result['media_bytes'] * 8 / window / n / 1e6:.2f} Mbit/s per camera"
    )
    for name in ("ours", "ours-libav", "ffmpeg", "demux", "own-demux"):
        if name in result:
            print(row(name, result[name]))
    ours, ffmpeg = result["ours"], result["ffmpeg"]
    print(
        f"  ratio ours/ffmpeg: CPU {ours['cpu'] / ffmpeg['cpu']:.2f}  RSS {ours['rss'] / ffmpeg['rss']:.2f}  "
        f"writes {ours['syscw'] / max(1, ffmpeg['syscw']):.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--count", type=int)
    parser.add_argument("--counts", default="1,10,40")
    parser.add_argument("--transport", default="tcp")
    parser.add_argument("--transports", default="tcp,udp")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--out")
    parser.add_argument("--urls")
    parser.add_argument("--per-process", type=int, default=10, help="cameras per recorder process")
    args = parser.parse_args()
    if args.child == "serve":
        return serve_cameras(args.count)
    if args.child == "ours":
        return run_ours(json.loads(args.urls), args.transport, args.out, args.seconds)
    if args.child in ("demux", "own-demux"):
        return run_demux(json.loads(args.urls), args.transport, args.seconds, own=args.child == "own-demux")
    if not shutil.which("ffmpeg"):
        sys.exit("the baseline needs Debian's ffmpeg: apt-get install ffmpeg")
    results = []
    for transport in args.transports.split(","):
        for count in (int(c) for c in args.counts.split(",")):
            result = bench(count, transport, args.seconds, args.per_process)
            report(result)
            results.append(result)
    single = {r["transport"]: r for r in results if r["count"] == 1}
    for r in results:
        base = single.get(r["transport"])
        if base and r["count"] > 1:
            added = (r["ours"]["rss"] - base["ours"]["rss"]) / (r["count"] - 1) / 2**20
            print(f"RSS per added camera ({r['transport']}, {r['count']}): ours {added:.1f} MB")


if __name__ == "__main__":
    main()
