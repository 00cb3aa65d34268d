"""The hand-written statements' placeholders and value conversions (models/statements.py).
The statements themselves run against SQLite and PostgreSQL in every circle test."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from models.statements import as_date, as_uuid, bind, render

pytestmark = pytest.mark.unit

SQL = "SELECT 1 FROM t WHERE a = {p0} AND id IN ({ids}) AND b <= {p1}"


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("postgres", "SELECT 1 FROM t WHERE a = $3 AND id IN ($1, $2) AND b <= $4"),
        ("sqlite", "SELECT 1 FROM t WHERE a = ?3 AND id IN (?1, ?2) AND b <= ?4"),
    ],
)
def test_ids_come_first_then_parameters_numbered_in_order(dialect: str, expected: str) -> None:
    assert render(SQL, dialect, 2, 2) == expected


def test_no_ids_numbers_the_parameters_from_one() -> None:
    assert render("SELECT {p0}, {p1}", "postgres", 0, 2) == "SELECT $1, $2"


def test_an_unknown_mark_is_refused() -> None:
    with pytest.raises(KeyError):
        render("SELECT {p2}", "sqlite", 0, 2)


def test_values_from_either_driver_become_the_same_python_values() -> None:
    key = uuid.uuid4()
    assert as_uuid(key) is key and as_uuid(str(key)) == key
    day = dt.date(2026, 3, 2)
    assert as_date(day) is day and as_date("2026-03-02") == day


def test_bind_gives_the_text_and_the_values_as_each_driver_takes_them() -> None:
    key, day = uuid.uuid4(), dt.date(2026, 3, 2)
    text, values = bind(SQL, "sqlite", [key], ["a", day])
    assert text == "SELECT 1 FROM t WHERE a = ?2 AND id IN (?1) AND b <= ?3"
    assert values == [str(key), "a", "2026-03-02"]  # Tortoise keeps dates as text on SQLite
    assert bind(SQL, "postgres", [key], ["a", day])[1] == [str(key), "a", day]
