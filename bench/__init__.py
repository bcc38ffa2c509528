"""Benchmarks (``make bench``): lifecycle throughput, queues at scale, websocket push latency.

Each part is a module runnable on its own (``python -m bench.lifecycle``); it runs on a database of its own,
created fresh, on PostgreSQL + Redis, and writes ``bench/results/<part>.json``. ``python -m bench`` runs all
parts, each in a fresh process, and prints the table that BENCHMARKS.md records.
"""
