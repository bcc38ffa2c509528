"""``make bench``: every part in a fresh process, one after the other, then the table of all results.

``python -m bench [part …]`` runs only the parts named (``python -m bench --help`` lists them)."""

import argparse
import subprocess
import sys
import time

from bench import report

PARTS = report.PARTS


def main(parts: list[str]) -> int:
    failed = []
    for part in parts:
        started = time.monotonic()
        print(f"== {part}", flush=True)
        if subprocess.run([sys.executable, "-m", report.module_of(part)]).returncode != 0:
            failed.append(part)
        print(f"== {part}: {time.monotonic() - started:.0f} s", flush=True)
    print(report.markdown(parts))
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


def arguments(argv: list[str]) -> list[str]:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run benchmark parts, each in a fresh process on a PostgreSQL database of its own "
        "(BENCH_POSTGRES, BENCH_REDIS; BENCH_DATABASE_PREFIX names the databases), and print their tables.",
    )
    parser.add_argument("parts", nargs="*", metavar="part", help=f"of {', '.join(PARTS)} (default: all)")
    parts = parser.parse_args(argv).parts
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        parser.error(f"no part {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    return parts or PARTS


if __name__ == "__main__":
    sys.exit(main(arguments(sys.argv[1:])))
