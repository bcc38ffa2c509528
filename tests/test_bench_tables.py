"""The push, memory and cluster parts' tables from their results (``bench.report``): each round of the push part
reported apart, the memory part's figures against its goal, the soak's board accounting and memory from its warm
point. No Django and no server: the tables are made from the JSON a run writes."""

from bench import memory, push, report, soak


def size(clients: int, ratio: float, lost: int = 0, steps: int | None = None) -> dict:
    return {
        "clients": clients,
        **({} if steps is None else {"steps": steps}),
        "engine": {"p50_ms": 4.0, "p99_ms": 9.0},
        "baseline": {"p50_ms": 3.5, "p99_ms": 8.0},
        "p99_ratio": ratio,
        "lost": lost,
    }


def test_the_push_table_has_a_row_per_round_and_size_and_names_the_worst_ratio():
    result = {
        "steps": {1: 200, 500: 30},
        "gap_s": 0.15,
        "rounds": [
            [size(1, 1.13, steps=200), size(500, 0.95, steps=30)],
            [size(1, 1.21, steps=200), size(500, 1.0, lost=2, steps=30)],
        ],
    }
    lines = push.table(result).splitlines()
    assert lines[2].startswith("2 rounds of every size; per size and round, `steps` transactions")
    assert lines[6:10] == [
        "| 1 | 1 | 200 | 4.0 | 9.0 | 3.5 | 8.0 | 1.13 | 0 |",
        "| 1 | 500 | 30 | 4.0 | 9.0 | 3.5 | 8.0 | 0.95 | 0 |",
        "| 2 | 1 | 200 | 4.0 | 9.0 | 3.5 | 8.0 | 1.21 | 0 |",
        "| 2 | 500 | 30 | 4.0 | 9.0 | 3.5 | 8.0 | 1.0 | 2 |",
    ]
    assert lines[-1] == "p99 ratio at most **1.21** over 4 measurements (goal ≤ 1.2 in every one)."


def test_a_push_result_from_before_rounds_is_one_round():
    lines = push.table({"steps": 40, "gap_s": 0.25, "sizes": [size(100, 0.9)]}).splitlines()
    assert lines[6] == "| 1 | 100 | 40 | 4.0 | 9.0 | 3.5 | 8.0 | 0.9 | 0 |"


def test_push_steps_are_one_number_or_one_per_size_the_nearest_named_below():
    assert [push.steps_at(n, "24") for n in (1, 100, 500)] == [24, 24, 24]
    named = "1:200,100:60,500:30"
    assert [push.steps_at(n, named) for n in (1, 50, 100, 499, 500, 2000)] == [200, 200, 60, 60, 30, 30]
    assert push.steps_at(1, "100:60,500:30") == 60  # below every named size: the smallest's


def test_the_memory_table_says_whether_the_goal_is_met():
    result = {
        "sockets": 1000,
        "idle_s": 5.0,
        "goal_mib": 286.1,
        "before_mib": 110.2,
        "open_mib": 180.4,
        "closed_mib": 150.0,
        "per_socket_kib": 71.9,
    }
    assert memory.table(result).splitlines()[6] == "| 110.2 | 180.4 | 71.9 | 150.0 | yes |"
    over = memory.table({**result, "open_mib": 290.0}).splitlines()[6]
    assert over == "| 110.2 | 290.0 | 71.9 | 150.0 | **no** |"


def test_the_memory_part_is_a_part_of_make_bench():
    assert "memory" in report.PARTS
    assert report.module_of("memory") == "bench.memory"


def phase(missed: int, late: int) -> dict:
    return {
        "lifecycles": 30,
        "answers": {"total": 450, "5xx": 0},
        "push": {"p50_ms": 20.0, "p99_ms": 90.0},
        "notifications": {"p99_ms": 80.0},
        "boards": {"p99_ms": 95.0},
        "lost": 0,
        "notifications_by_resume": 3,
        "board_events_written": 120,
        "board_events_missed": missed,
        "board_events_late": late,
        "channel_layer": {"most_waiting_in_a_process_key": 12, "oldest_waiting_s": 0.4},
        "client_loop_lag_ms": {"p99": 7.5},
        "memory": [
            {
                "start_mib": 100.0,
                "warm_mib": 110.0,
                "end_mib": 115.5,
                "growth_pct": 15.5,
                "growth_from_warm_pct": 5.0,
            }
        ],
    }


def test_the_soak_table_counts_missed_board_events_per_board_and_memory_from_the_warm_point():
    result = {
        "sockets": 200,
        "lifecycle_every_s": 2.0,
        "seconds": 90,
        "goals": soak.GOALS,
        "p99_ratio": 1.05,
        "phases": {"single": phase(missed=0, late=0), "cluster": phase(missed=200, late=1000)},
    }
    lines = soak.table(result).splitlines()
    assert lines[-2] == (
        "| one worker, direct | 30 | 450 | 0 | 20.0 | 90.0 | 80.0 | 95.0 | 0 | 3 | 120 | 0.0 (0.0) | 12 (0.4) | 7.5 "
        "| 100.0 → 110.0 → 115.5 (+15.5, +5.0) |"
    )
    assert "| 120 | 2.0 (10.0) | 12 (0.4) |" in lines[-1]
