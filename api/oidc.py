"""ID tokens of an OpenID Connect provider: a person signed in to the dashboard, identified by the API itself.

The dashboard signs advisors in with Streamlit's OpenID Connect support (`st.login`) and forwards the ID token of the
session (`Authorization: Bearer ...`). Here the token is verified as the provider issued it: signature against the
provider's published keys (JWKS, from its discovery document), issuer, audience (the dashboard's client id),
expiry and issue time. The person is the token's `email` (else its `sub`), which must be bound to an active
principal (`python -m api principals add NAME --role advisor --subject EMAIL`): the role and scopes come from there,
never from the token.
"""

from __future__ import annotations

import logging

import httpx
import jwt

log = logging.getLogger(__name__)
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
LEEWAY_S = 30  # clocks of the provider and of the API may differ a little


class OidcConfigError(RuntimeError):
    """The provider's discovery document cannot be read (the API then refuses to start)."""


class IdTokenVerifier:
    """Verify ID tokens of one issuer for one client; `verifier(token)` is the person, or None."""

    def __init__(self, issuer: str, client_id: str, timeout_s: float = 10.0) -> None:
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            document = httpx.get(url, timeout=timeout_s).raise_for_status().json()
        except (httpx.HTTPError, ValueError) as error:
            raise OidcConfigError(f"cannot read the OpenID Connect discovery document of HC_OIDC_ISSUER "
                                  f"({type(error).__name__})") from None
        self.issuer = document["issuer"]
        self.client_id = client_id
        self.keys = jwt.PyJWKClient(document["jwks_uri"], cache_keys=True, lifespan=3600, timeout=int(timeout_s))

    def __call__(self, token: str) -> str | None:
        """The e-mail (else subject) of a valid ID token; None when anything about it is wrong."""
        try:
            key = self._key(token)
            claims = jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=self.client_id, issuer=self.issuer,
                                leeway=LEEWAY_S, options={"require": ["exp", "iat", "iss", "aud", "sub"]})
        except (jwt.PyJWTError, httpx.HTTPError) as error:
            log.info("ID token refused: %s", type(error).__name__)  # never the token itself
            return None
        return str(claims.get("email") or claims["sub"])

    def _key(self, token: str) -> jwt.PyJWK:
        """The provider's key that signed the token: by its `kid`, or its only signing key when it names none."""
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is not None:
            return self.keys.get_signing_key(kid)
        keys = self.keys.get_signing_keys()
        if len(keys) != 1:
            raise jwt.InvalidTokenError("no kid, and the provider publishes several keys")
        return keys[0]
