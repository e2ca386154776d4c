"""Benchmark: a region snapshot of 1,200,000 person records streamed by the server into one bundle file, then
verified and read back by a fresh laptop, each side in its own process so that each peak memory is its own.
The whole snapshot (query, bytes, apply) must take ≤ 2 minutes; these are the bytes' share of it.

    python tests/bench/bundle_snapshot.py [RECORDS]      → one JSON object
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bundle import person_change  # noqa: E402  (tests/bench/bundle.py: realistic person records)

from sync.bundle import Signer, read_bundle, write_bundle  # noqa: E402
from sync.keys import DeviceKeys  # noqa: E402

RECORDS = 1_200_000
SCRATCH = Path(os.environ.get("EJPS_BENCH_SCRATCH", "/tmp/ejps-bench"))
LAPTOP = "0b6c1f3e-8a51-4c1e-9a57-6f5a2d0c9e11"


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def people(count: int):
    rng = random.Random(7512)
    return (person_change("server", seq, rng) for seq in range(1, count + 1))


def build(count: int, path: Path, keys: dict[str, bytes]) -> dict:
    server = DeviceKeys.from_private_bytes(keys["server_signing"], keys["server_encryption"])
    laptop = DeviceKeys.from_private_bytes(keys["laptop_signing"], keys["laptop_encryption"])
    started = time.perf_counter()
    for _ in people(count):  # what making the records alone costs: the server's query stands in its place
        pass
    generated = time.perf_counter()
    baseline = peak_rss_mb()
    written = write_bundle(
        path,
        people(count),
        sender="server",
        recipient=LAPTOP,
        region="7501",
        stream=f"down:{LAPTOP}",
        seq_from=1,
        seq_to=count,
        prev_hash="",
        signing_key=server.signing,
        recipient_key=laptop.public().encryption,
    )
    finished = time.perf_counter()
    generate_s = generated - started
    return {
        "generate_records_s": round(generate_s, 1),
        "build_s": round(finished - generated, 1),
        "build_bytes_only_s": round(finished - generated - generate_s, 1),
        "build_peak_rss_mb": peak_rss_mb(),
        "build_rss_before_mb": baseline,
        "file_mb": round(written.size / 1e6, 1),
        "chunks": written.header.chunk_count,
    }


def read(count: int, path: Path, keys: dict[str, bytes]) -> dict:
    server = DeviceKeys.from_private_bytes(keys["server_signing"], keys["server_encryption"])
    laptop = DeviceKeys.from_private_bytes(keys["laptop_signing"], keys["laptop_encryption"])
    signers = {"server": Signer(server.public().signing)}.get
    baseline = peak_rss_mb()
    started = time.perf_counter()
    with read_bundle(path, recipient=LAPTOP, private_key=laptop.encryption, signers=signers) as stream:
        verified = time.perf_counter()
        seen = sum(1 for _ in stream.records())
        finished = time.perf_counter()
        half = stream.header.chunk_count // 2
        resumed = sum(1 for _ in stream.records(start_chunk=half))
        resumed_at = time.perf_counter()
    assert seen == count, (seen, count)
    assert resumed == count - half * 5_000, resumed
    return {
        "verify_s": round(verified - started, 1),
        "read_records_s": round(finished - verified, 1),
        "open_total_s": round(finished - started, 1),
        "read_from_half_s": round(resumed_at - finished, 1),
        "read_peak_rss_mb": peak_rss_mb(),
        "read_rss_before_mb": baseline,
    }


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else RECORDS
    SCRATCH.mkdir(parents=True, exist_ok=True)
    path = SCRATCH / "snapshot.ejpsb"
    server, laptop = DeviceKeys.generate(), DeviceKeys.generate()
    keys = dict(
        zip(
            ["server_signing", "server_encryption", "laptop_signing", "laptop_encryption"],
            (key.hex() for key in (*server.private_bytes(), *laptop.private_bytes())),
            strict=True,
        )
    )
    result: dict[str, object] = {"records": count}
    for phase in ("build", "read"):
        output = subprocess.run(
            [sys.executable, __file__, "--phase", phase, str(count), str(path), json.dumps(keys)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result.update(json.loads(output))
    result["bytes_each_way_s"] = [result["build_bytes_only_s"], result["open_total_s"]]
    result["target_whole_snapshot_s"] = 120
    path.unlink()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--phase":
        phase, count, target, key_text = sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), sys.argv[5]
        raw_keys = {name: bytes.fromhex(value) for name, value in json.loads(key_text).items()}
        print(json.dumps((build if phase == "build" else read)(count, target, raw_keys)))
    else:
        main()
