"""Errors: domain codes kept, validation errors BAD_USER_INPUT, everything else masked."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass

import pytest
import strawberry

from auth.viewer import ANONYMOUS, Viewer
from models.errors import ERROR_CODES, CipError, NotFound
from schema.build import CipSchema
from schema.fields import public_field
from schema.pipeline import pipeline
from tests.support import LiveServer

SECRET = "Amira is sleeping in her car"


@dataclass
class Ctx:
    viewer: Viewer


def _boom() -> str:
    raise RuntimeError(SECRET)


def _missing() -> str:
    raise NotFound()


@strawberry.type
class Query:
    boom: str | None = public_field(_boom)
    missing: str | None = public_field(_missing)

    @strawberry.field
    def echo(self, kind: str) -> str:
        return kind


def _schema(dev: bool) -> CipSchema:
    return CipSchema(query=Query, federation_version="2.9", extensions=[pipeline(dev=dev)])


def test_unexpected_errors_are_masked_and_logged_without_detail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    result = asyncio.run(_schema(False).execute("{ boom }", context_value=Ctx(ANONYMOUS)))
    assert result.errors is not None
    (error,) = result.errors
    assert error.message == "Internal server error."
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert SECRET not in json.dumps(error.formatted)
    assert SECRET not in caplog.text
    assert "RuntimeError" in caplog.text


def test_domain_errors_keep_their_code() -> None:
    result = asyncio.run(_schema(False).execute("{ missing }", context_value=Ctx(ANONYMOUS)))
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "NOT_FOUND"}


def test_validation_errors_are_bad_user_input_without_hints_in_prod() -> None:
    prod = asyncio.run(_schema(False).execute("{ misssing }", context_value=Ctx(ANONYMOUS)))
    dev = asyncio.run(_schema(True).execute("{ misssing }", context_value=Ctx(ANONYMOUS)))
    assert prod.errors and dev.errors
    assert prod.errors[0].extensions == {"code": "BAD_USER_INPUT"}
    assert "Did you mean" not in prod.errors[0].message
    assert "Did you mean" in dev.errors[0].message


def test_every_domain_error_code_is_in_the_contract() -> None:
    def leaves(cls: type[CipError]) -> list[type[CipError]]:
        return [cls, *(c for s in cls.__subclasses__() for c in leaves(s))]

    for cls in leaves(CipError):
        assert cls.code in ERROR_CODES


def test_syntax_errors_over_http(server: LiveServer) -> None:
    resp = server.gql("{ careScope { ")
    assert resp.codes == ["BAD_USER_INPUT"]
    resp = server.gql("{ careScope { nope } }")
    assert resp.codes == ["BAD_USER_INPUT"]
    assert "Traceback" not in json.dumps(resp.body)


def _shredded() -> str:
    from models.sealing import SealError

    raise SealError("no data key for this owner")


@strawberry.type
class RaceQuery:
    gone: str | None = public_field(_shredded)


def test_a_shredded_key_between_lookup_and_opening_answers_not_found() -> None:
    schema = CipSchema(query=RaceQuery, federation_version="2.9", extensions=[pipeline(dev=False)])
    result = asyncio.run(schema.execute("{ gone }", context_value=Ctx(ANONYMOUS)))
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "NOT_FOUND"}
    assert result.errors[0].message == "Not found."
