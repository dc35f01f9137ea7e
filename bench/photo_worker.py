"""The photo worker's CPU per photo (incidents.actions.photo_queue), in-process.

Filings answer before their photos are processed; what the Celery worker then spends per photo —
decode, the file's EXIF, the marks, the original pixels' hash, the stamp, the re-encode — is
measured here as CPU time (``time.process_time``: a loaded machine slows it, it does not add to
it), for the two photos of ``bench/public_report.py``. Answers photos/s per CPU.

    DJANGO_SETTINGS_MODULE=gridgov.settings .venv/bin/python -m bench.photo_worker [--runs 20]
"""
from __future__ import annotations

import argparse
import os
import time


def measure(runs: int) -> list[dict]:
    from django.utils import timezone

    from bench.harness import jpeg_of_about
    from bench.public_report import phone_photo
    from incidents import photo_evidence, watermark
    from incidents.photos import decode_photo, encode

    mark = watermark.Stamp(when="2026-12-04 12:00", place="东城区某街道某社区", cell_code="110101001001", worker="")
    rows = []
    for label, data, count in (("1600-px photo", jpeg_of_about(), runs), ("12 MP camera photo", phone_photo(), max(3, runs // 5))):
        decode_photo(data)  # warm: the font, the decoders
        started = time.process_time()
        for _ in range(count):
            clean = decode_photo(data, "bench.jpg")
            photo_evidence.flags_for(clean.claim, filed_at=timezone.now(), position=None)
            encode(watermark.stamp(clean.image, mark), clean.extension)
        cpu_ms = (time.process_time() - started) * 1000 / count
        rows.append({"photo": label, "kb": len(data) // 1024, "runs": count, "cpu_ms": round(cpu_ms, 1),
                     "photos_per_s_per_cpu": round(1000 / cpu_ms, 1)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for row in measure(args.runs):
        print(f"{stamp} · load average {os.getloadavg()[0]:.1f} · {row['photo']} ({row['kb']} KB, {row['runs']} runs): "
              f"{row['cpu_ms']} ms CPU per photo ≈ {row['photos_per_s_per_cpu']} photos/s per CPU")


if __name__ == "__main__":
    main()
