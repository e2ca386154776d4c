"""Benchmark: a bundle of 100,000 change records (new people, every field) built, signed and encrypted, then
opened and verified, as a laptop does for its upload and the server for what it receives (target ≤ 5 s each).

    python tests/bench/bundle.py          → one JSON object
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sync.bundle import Signer, build_bundle, open_bundle  # noqa: E402
from sync.keys import DeviceKeys  # noqa: E402

RECORDS = 100_000
RUNS = 3
FIRST_NAMES = ["Siti", "Muhammad", "Nur", "Rahmat", "Fitri", "Sri", "Abdul", "Ayu", "Hasan", "Rina", "Yusuf"]
LAST_NAMES = [
    "Hulawa",
    "Mohamad",
    "Pakaya",
    "Dunda",
    "Katili",
    "Gobel",
    "Lamato",
    "Bakari",
    "Mooduto",
    "Djafar",
]
JOBS = ["PETANI/PEKEBUN", "NELAYAN/PERIKANAN", "WIRASWASTA", "MENGURUS RUMAH TANGGA", "PELAJAR/MAHASISWA"]
RELATIONS = ["KEPALA KELUARGA", "ISTRI", "ANAK", "FAMILI LAIN"]


def person_change(device: str, seq: int, rng: random.Random) -> dict:
    desa = f"750{rng.randint(1, 5)}{rng.randint(1, 19):02d}{rng.randint(2001, 2030)}"
    nik = f"{desa[:6]}{rng.randint(1, 71):02d}{rng.randint(1, 12):02d}{rng.randint(40, 99):02d}{seq % 10000:04d}"
    born = f"19{rng.randint(40, 99):02d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return {
        "device": device,
        "seq": seq,
        "entity": "person",
        "uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "op": "upsert",
        "fields": {
            "nik": nik,
            "no_kk": f"{desa[:6]}{rng.randint(10**9, 10**10 - 1)}",
            "nama": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}".upper(),
            "tempat_lahir": "GORONTALO",
            "tgl_lahir": born,
            "jenis_kelamin": rng.choice("LP"),
            "alamat": f"JL. {rng.choice(LAST_NAMES).upper()} NO. {rng.randint(1, 200)}",
            "rt": f"{rng.randint(1, 12):03d}",
            "rw": f"{rng.randint(1, 6):03d}",
            "kode_desa": desa,
            "hubungan_keluarga": rng.choice(RELATIONS),
            "pekerjaan": rng.choice(JOBS),
            "status": "hidup",
            "tgl_status": None,
            "desil": rng.randint(1, 10),
            "flags": "",
            "origin_device": device,
            "updated_at": "2026-12-06T01:02:03.456789+00:00",
            "deleted_at": None,
        },
        "base": 0,
        "region": desa,
        "region_before": None,
        "at": "2026-12-06T01:02:03.456789+00:00",
    }


def main() -> None:
    rng = random.Random(7512)
    device = str(uuid.uuid4())
    laptop, server = DeviceKeys.generate(), DeviceKeys.generate()
    records = [person_change(device, seq, rng) for seq in range(1, RECORDS + 1)]
    signers = {device: Signer(laptop.signing.public_key())}.get
    build_times, open_times = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        sealed = build_bundle(
            records,
            sender=device,
            recipient="server",
            region="75",
            stream=f"up:{device}",
            seq_from=1,
            seq_to=RECORDS,
            prev_hash="",
            signing_key=laptop.signing,
            recipient_key=server.encryption.public_key(),
        )
        built = time.perf_counter()
        opened = open_bundle(sealed.data, recipient="server", private_key=server.encryption, signers=signers)
        finished = time.perf_counter()
        assert opened.records == records
        build_times.append(built - started)
        open_times.append(finished - built)
    json_bytes = sum(len(json.dumps(record, separators=(",", ":"))) + 1 for record in records)
    print(
        json.dumps(
            {
                "records": RECORDS,
                "runs": RUNS,
                "build_sign_encrypt_s": round(statistics.median(build_times), 2),
                "open_verify_s": round(statistics.median(open_times), 2),
                "build_s_all": [round(t, 2) for t in build_times],
                "open_s_all": [round(t, 2) for t in open_times],
                "json_mb": round(json_bytes / 1e6, 1),
                "file_mb": round(len(sealed.data) / 1e6, 1),
                "chunks": sealed.header.chunk_count,
                "target_s": 5,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
