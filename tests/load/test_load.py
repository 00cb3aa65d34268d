"""The load test (tests/load/run.py) as tests: a 10-second smoke in the default run, the
60-second run behind the `load` marker (``python -m pytest -m load tests/load``)."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.load.run import Report, reconcile, run


def judge(report: Report) -> None:
    assert report.requests > 0
    assert report.errors == {}, report.errors
    assert reconcile(Counter(report.writes), report.database) == []
    assert report.rss_growth <= 0.20, (report.rss_warm_kib, report.rss_end_kib)


def test_load_smoke() -> None:
    judge(run(10, members=12, coordinators=4))


@pytest.mark.load
def test_load_sixty_seconds() -> None:
    report = run(60)
    print(f"\n[load] {report}")  # noqa: T201
    judge(report)
