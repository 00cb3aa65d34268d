"""From an Authorization header to a Viewer: verify the token, pseudonymise the subject."""

from __future__ import annotations

from auth.tokens import TokenVerifier, bearer_token
from auth.viewer import ANONYMOUS, Viewer
from models.pseudonym import capability_pseudonyms, pseudonym


class Authenticator:
    def __init__(self, verifier: TokenVerifier, pseudonym_key: bytes) -> None:
        self._verifier = verifier
        self._key = pseudonym_key

    async def viewer(self, authorization: str | None) -> Viewer:
        """ANONYMOUS without a header; raises Unauthenticated for a token that fails."""
        token = bearer_token(authorization)
        if token is None:
            return ANONYMOUS
        claims = await self._verifier.verify(token)
        base = pseudonym(self._key, claims.issuer, claims.subject)
        return Viewer(
            subject=base,
            scopes=claims.scopes,
            neighborhoods=claims.neighborhoods,
            pseudonyms=capability_pseudonyms(self._key, base),
            expires_at=claims.expires_at,
        )
