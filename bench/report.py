"""The results as the Markdown tables BENCHMARKS.md records (``python -m bench.report``)."""

import importlib

from bench.common import read_result

PARTS = ["lifecycle", "queues", "push", "memory", "timers", "parties", "reports", "cluster"]
# A part whose module has another name (``bench.cluster`` is ``make cluster``'s).
MODULES = {"cluster": "soak"}


def module_of(part: str) -> str:
    return f"bench.{MODULES.get(part, part)}"


def markdown(parts: list[str] = PARTS) -> str:
    lines = []
    for part in parts:
        result = read_result(part)
        if result is None:
            lines.append(f"\n({part}: no result yet)\n")
            continue
        module = importlib.import_module(module_of(part))  # imports no Django at module level
        lines.append(module.table(result))
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
