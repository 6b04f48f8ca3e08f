"""Triage speed and memory: start-up, single-message latency, engine overhead, bulk throughput.

Prints one JSON object per profile. The messages are the own evaluation set's
texts (real lengths: WhatsApp lines to long e-mails), repeated as needed.

    python bench/triage.py --profile accurate --profile fast
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import time

from humantouch.engine import Engine
from humantouch.evaluation.own import load_cases
from humantouch.models import PROFILES
from humantouch.records import Contact


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(profile: str, singles: int, bulk: int) -> dict[str, object]:
    started = time.perf_counter()
    engine = Engine.load(profile=profile)
    startup = time.perf_counter() - started
    texts = [c.record["text"] for c in load_cases()]
    for t in texts[:10]:  # warm caches the way a running service has them warm
        engine.triage(Contact(t))
    latencies, encode, rest = [], [], []
    cpu_started = time.process_time()
    for i in range(singles):
        t0 = time.perf_counter()
        result = engine.triage(Contact(texts[i % len(texts)]))
        latencies.append((time.perf_counter() - t0) * 1000)
        encode.append(result.timings_ms["encode"])
        rest.append(result.timings_ms["rest"])
    cpu_ms = (time.process_time() - cpu_started) * 1000 / singles
    contacts = [Contact(texts[i % len(texts)]) for i in range(bulk)]
    t0 = time.perf_counter()
    engine.triage_many(contacts)
    bulk_seconds = time.perf_counter() - t0
    total_encode, total_rest = sum(encode), sum(rest)
    return {
        "profile": profile,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "startup_seconds": round(startup, 2),
        "single": {
            "messages": singles,
            "p50_ms": round(percentile(latencies, 50), 2),
            "p99_ms": round(percentile(latencies, 99), 2),
            "mean_ms": round(statistics.fmean(latencies), 2),
            "encoder_p50_ms": round(percentile(encode, 50), 2),
            # The engine's own part (everything after the encoder) runs in the calling thread alone.
            "engine_p50_ms": round(percentile(rest, 50), 3),
            "engine_overhead_share": round(total_rest / (total_encode + total_rest), 3),
            # All threads of the process (the encoder's BLAS threads too, which spin between calls).
            "process_cpu_ms_per_message": round(cpu_ms, 2),
        },
        "bulk": {"messages": bulk, "messages_per_second": round(bulk / bulk_seconds, 1)},
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="append", choices=sorted(PROFILES))
    parser.add_argument("--singles", type=int, default=300)
    parser.add_argument("--bulk", type=int, default=2000)
    args = parser.parse_args()
    for profile in args.profile or ["accurate", "fast"]:
        # One process per profile would be cleaner for memory; the RSS figure of a
        # later profile includes the earlier one, so run one profile per call to compare memory.
        print(json.dumps(run(profile, args.singles, args.bulk)), flush=True)


if __name__ == "__main__":
    main()
