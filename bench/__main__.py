"""``make bench``: every part in a fresh process, one after the other, then the table of all results."""

import subprocess
import sys
import time

from bench import report

PARTS = ["lifecycle", "queues", "push"]


def main(parts: list[str]) -> int:
    failed = []
    for part in parts:
        started = time.monotonic()
        print(f"== {part}", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{part}"]).returncode != 0:
            failed.append(part)
        print(f"== {part}: {time.monotonic() - started:.0f} s", flush=True)
    print(report.markdown())
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or PARTS))
