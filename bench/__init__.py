"""Benchmarks: a data generator (`cip bench seed`), a runner over real HTTP (`cip bench run`)
and a raw-driver endpoint that sets the limit (bench/raw.py). See docs/benchmarks.md."""
