"""Who calls: fresh subjects, members and coordinators with their tokens, and the checks
every API test makes of an answer."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from auth.viewer import COORDINATOR
from models.pseudonym import CIRCLES, for_capability
from tests.support.client import GraphQLResponse
from tests.support.servers import Service

RANDOM_ID = "3b9d6c62-8e0f-4d0a-9a51-3f1f4b0c7d21"


def fresh(prefix: str = "member") -> str:
    """A subject (or any name) no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Person:
    sub: str
    token: str


def member(server: Service) -> Person:
    """A fresh member (no scopes)."""
    sub = fresh("member")
    return Person(sub, server.token(sub))


def coordinator(server: Service, nbh: str) -> Person:
    """A fresh coordinator of ``nbh``."""
    sub = fresh("coord")
    return Person(sub, server.token(sub, scopes=[COORDINATOR], nbh=[nbh]))


def coordinator_token(server: Service, sub: str, *nbh: str) -> str:
    """A coordinator token for ``sub`` in the neighbourhoods named."""
    return server.token(sub, scopes=[COORDINATOR], nbh=list(nbh))


def subject_of(server: Service, sub: str, capability: str = CIRCLES) -> str:
    """What ``capability``'s rows keep of ``sub`` (models/pseudonym.py)."""
    key, issuer = server.settings.pseudonym_key, server.settings.jwt_issuer
    return for_capability(key, capability, issuer, sub)


def ok(resp: GraphQLResponse) -> Any:
    """The data of an answer that must have no errors."""
    assert resp.status == 200, resp.body
    assert resp.errors == [], resp.errors
    return resp.data


def same_refusal(a: GraphQLResponse, b: GraphQLResponse) -> None:
    """Two answers a caller cannot tell apart: same status, same body."""
    assert a.status == b.status
    assert a.body == b.body


def today(server: Service) -> dt.date:
    return server.clock.today()
