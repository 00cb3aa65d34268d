"""`cip release`: the weekly cron computing every neighbourhood's releases."""

from __future__ import annotations

import datetime as dt
import os
import subprocess

from resolvers.aggregates.events import Metric as m
from resolvers.aggregates.releases import oldest_week_read
from tests.support import (
    AS_OF,
    CIP,
    TODAY,
    VIEW,
    LiveServer,
    frozen_on,
    gauge_published,
    record_actions,
    record_metric,
    shown,
)


def cip_release(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **server.env, "CIP_TODAY": TODAY.isoformat()}
    return subprocess.run(
        [*CIP, "release", *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_release_computes_every_window_once(server: LiveServer, nbh: str, sub: str) -> None:
    record_metric(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 6)
    done = cip_release(server, "--week", "2026-W09")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for window in (14, 30, 90):
        assert f"cip: release {nbh} 2026-W09 window {window}: computed" in lines
    assert lines[-1].startswith("cip: week 2026-W09: ") and "releases for" in lines[-1]
    rows = server.sql(f"SELECT window_days FROM cip_release WHERE neighborhood = '{nbh}'")
    assert sorted(r[0] for r in rows) == [14, 30, 90]
    # The default week is the last complete one: the same, now already stored.
    again = cip_release(server)
    assert again.returncode == 0, again.stderr
    assert f"cip: release {nbh} 2026-W09 window 90: already stored" in again.stdout
    # Coordinator counts older than any window reads go, wherever they are.
    old = f"{nbh}-old"
    record_actions(server, old, sub, 1, day=oldest_week_read(AS_OF) - dt.timedelta(days=7))
    record_actions(server, old, sub, 1, day=oldest_week_read(AS_OF))
    third = cip_release(server)
    assert third.returncode == 0, third.stderr
    assert "coordinator weekly counts no window reads deleted" in third.stdout
    weeks = f"SELECT week_start FROM cip_coordinator_week WHERE neighborhood = '{old}'"
    assert [str(r[0]) for r in server.sql(weeks)] == [oldest_week_read(AS_OF).isoformat()]
    # Served as stored.
    token = server.token(sub, scopes=["cip:coordinator"], nbh=[nbh])
    with frozen_on(server, TODAY):
        got = server.gql(VIEW, {"n": nbh}, token=token).data["careCoordinationView"]
    active = gauge_published(server, nbh, m.GAUGE_CIRCLES_ACTIVE, 6)
    assert got["activeCircles"] == shown(active) and got["asOf"] == "2026-03-01"
    # --recompute computes the week again (for releases stored before the perturbation).
    redone = cip_release(server, "--week", "2026-W09", "--recompute")
    assert redone.returncode == 0, redone.stderr
    assert f"cip: release {nbh} 2026-W09 window 30: computed" in redone.stdout
    with frozen_on(server, TODAY):
        assert server.gql(VIEW, {"n": nbh}, token=token).data["careCoordinationView"] == got


def test_release_refuses_an_incomplete_or_unreadable_week(server: LiveServer) -> None:
    current = cip_release(server, "--week", TODAY.isoformat())
    assert current.returncode == 2 and "not complete" in current.stderr
    garbled = cip_release(server, "--week", "soon")
    assert garbled.returncode == 2 and "YYYY-Www" in garbled.stderr
