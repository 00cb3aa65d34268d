from __future__ import annotations

from tests.support import LiveServer

QUERY = "{ careScope { isNot canHold cannotHold } }"


def test_care_scope_is_public_and_says_what_cip_is_not(server: LiveServer) -> None:
    resp = server.gql(QUERY)
    assert resp.status == 200
    assert resp.errors == []
    scope = resp.data["careScope"]
    joined = " ".join(scope["isNot"]).lower()
    for phrase in (
        "not therapy",
        "not crisis intervention",
        "not clinical care",
        "not a replacement for professional support",
    ):
        assert phrase in joined
    assert scope["canHold"] and scope["cannotHold"]


def test_care_scope_with_a_member_token(server: LiveServer, sub: str) -> None:
    resp = server.gql(QUERY, token=server.token(sub))
    assert resp.errors == []
    assert resp.data["careScope"]["isNot"]
