"""Benchmarks of the kit: scripts that print figures (``python benchmarks/bench_<name>.py``), never timed tests."""
