"""daphne under tracemalloc, for ``bench.memory`` with ``BENCH_MEMORY_TRACE=1``:
``python -m bench.traced_worker <daphne's script> <daphne's arguments>``.

The first SIGUSR1 takes a snapshot of the worker's allocations, the second another and writes the lines that
grew most in between (the sockets opened between the two, when the bench signals before and after connecting
them) to ``BENCH_MEMORY_TRACE_OUT``. Tracing slows the worker and adds its own memory: the RSS figures of the
part are read without it.
"""

import os
import runpy
import signal
import sys
import tracemalloc
from pathlib import Path

FRAMES = 6
TOP = 30


def main() -> None:
    tracemalloc.start(FRAMES)
    snapshots: list[tracemalloc.Snapshot] = []
    out = Path(os.environ.get("BENCH_MEMORY_TRACE_OUT", "bench/results/memory-trace.txt"))

    def snapshot(signum, frame) -> None:
        snapshots.append(
            tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        )
        if len(snapshots) == 2:
            grown = snapshots[1].compare_to(snapshots[0], "lineno")
            lines = [
                f"{stat.size_diff / 1024:10.1f} KiB {stat.count_diff:+8d} blocks  {stat.traceback}"
                for stat in grown[:TOP]
            ]
            total = sum(stat.size_diff for stat in grown)
            out.write_text(f"grown in all: {total / 2**20:.1f} MiB (traced)\n" + "\n".join(lines) + "\n")

    signal.signal(signal.SIGUSR1, snapshot)
    script, *arguments = sys.argv[1:]
    sys.argv = [script, *arguments]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
