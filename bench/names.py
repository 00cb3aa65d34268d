"""Names shared by the generator and the runner: who the bench callers are, which codes work."""

from __future__ import annotations

ISSUER_SUB_PROBE = "bench-probe"  # the member measured by myCircles / circle(id)
AI_CLIENT_SUB = "bench-ai-client"
JOIN_CODES_PER_CIRCLE = 8  # MAX_MEMBERS: every code of the join pool can be used


def neighborhood(index: int) -> str:
    return f"bench-n{index:04d}"


def coordinator_sub(nbh_index: int, k: int) -> str:
    return f"bench-coord-{nbh_index}-{k}"


def member_sub(nbh_index: int, circle_index: int, j: int) -> str:
    return f"bench-member-{nbh_index}-{circle_index}-{j}"


def join_code(index: int) -> str:
    return f"bench-join-{index:07d}"


def joiner_sub(index: int) -> str:
    return f"bench-joiner-{index}"


ALL = "*"
