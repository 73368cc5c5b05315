"""Who may call what: the principal behind a request, the scope a route needs, and the rate limit it counts in.

Every route but the health checks declares its scope and its kind of rate limit with `secured(scope, bucket)`:
401 without a key or with an unknown, revoked or rotated-away one; 403 when the principal lacks the scope; 429
(with `Retry-After`) beyond the principal's requests per window for that kind of route, counted in the events
database, so across workers. The principal goes into the request's state for the audit row and the events.

A signed-in person of the dashboard is identified either by their own key (`X-API-Key`) or, when the API is given an
OpenID Connect issuer (`HC_OIDC_ISSUER`, `HC_OIDC_CLIENT_ID`), by the ID token of their session
(`Authorization: Bearer ...`, verified by `api.oidc`) bound to a principal by its e-mail address.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.events import EventStore, application_hash
from api.prepared import BusyError
from api.principals import Principal, PrincipalStore

log = logging.getLogger(__name__)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="The key of a principal (`python -m api principals add NAME --role ROLE`)")
bearer = HTTPBearer(auto_error=False, description="An ID token of the OpenID Connect provider (HC_OIDC_ISSUER), "
                                                  "for a person bound to a principal")
WINDOWS = {"second": 1, "minute": 60, "hour": 3600}
LIMIT = re.compile(r"^\s*([a-z_]+)\s*=\s*(\d+)\s*/\s*(second|minute|hour)\s*$")
SCOPE_HEADER = "x-required-scope"  # in each route's OpenAPI entry, with the kind of rate limit
AUTHENTICATED = "authenticated"  # the "scope" of a route any principal may call


class RateLimitConfigError(ValueError):
    """HC_RATE_LIMITS cannot be read."""


@dataclass(frozen=True)
class Limit:
    """At most `count` requests per `window_s` seconds."""

    count: int
    window_s: int
    unit: str


def parse_rate_limits(text: str) -> dict[str, Limit]:
    """`score=1200/minute,population=60/minute` -> {bucket: Limit}.

    Raises:
        RateLimitConfigError: naming the part that cannot be read.
    """
    limits = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = LIMIT.match(part)
        if match is None or int(match.group(2)) < 1:
            raise RateLimitConfigError(f"HC_RATE_LIMITS: cannot read {part!r} (expected kind=N/second|minute|hour, "
                                       "N >= 1)")
        limits[match.group(1)] = Limit(int(match.group(2)), WINDOWS[match.group(3)], match.group(3))
    return limits


@dataclass
class Guard:
    """What a request is checked against: the principals, the counters and the limits; an ID-token verifier."""

    principals: PrincipalStore
    store: EventStore
    limits: dict[str, Limit]
    verify_token: Callable[[str], str | None] | None = None  # ID token -> e-mail, None when invalid

    def identify(self, key: str | None, token: str | None) -> Principal | None:
        """The principal of a key, else of an ID token; None when neither identifies an active one."""
        if key:
            return self.principals.authenticate(key)
        if token and self.verify_token is not None:
            subject = self.verify_token(token)
            return self.principals.by_subject(subject) if subject else None
        return None

    def identify_now(self, key: str | None, token: str | None) -> tuple[bool, Principal | None]:
        """`identify` when it can answer at once, without waiting (on the event loop): (True, the principal or None);
        (False, None) when `identify` must run in a thread (a key not verified yet, an ID token, a busy database)."""
        if key:
            return self.principals.authenticate_now(key)
        return (True, None) if not token or self.verify_token is None else (False, None)

    def throttle(self, principal: Principal, bucket: str, wait: bool = True) -> tuple[Limit, int] | None:
        """(the limit, seconds to wait) when this request is one too many, else None.

        Raises:
            BusyError: with `wait=False`, when the counter is locked by another worker now (the request is not counted).
        """
        limit = self.limits.get(bucket)
        if limit is None:
            return None
        count, retry_after = self.store.hit(principal.name, bucket, limit.window_s, wait=wait)
        return (limit, retry_after) if count > limit.count else None


def unauthorized() -> HTTPException:
    """The 401 of every route."""
    return HTTPException(status_code=401, detail="Missing or invalid API key",
                         headers={"WWW-Authenticate": "ApiKey"})


class Access:
    """The dependency of a route: identify the principal, check the scope, count the request."""

    def __init__(self, scope: str | None, bucket: str) -> None:
        self.scope = scope
        self.bucket = bucket

    async def __call__(self, request: Request, key: Annotated[str | None, Security(api_key_header)],
                       token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]) -> Principal:
        # on the event loop when the answer needs no wait (a known key, a free counter), else in a thread: scrypt, an
        # ID token's signature, a lock held by another worker
        guard: Guard = request.app.state.guard
        credentials = token.credentials if token else None
        decided, principal = guard.identify_now(key, credentials)
        if not decided:
            principal = await run_in_threadpool(guard.identify, key, credentials)
        if principal is None:
            raise unauthorized()
        request.state.principal = principal
        if self.scope is not None and not principal.can(self.scope):
            raise forbidden(principal, self.scope)
        try:
            over = guard.throttle(principal, self.bucket, wait=False)
        except BusyError:
            over = await run_in_threadpool(guard.throttle, principal, self.bucket)
        if over is not None:
            limit, retry_after = over
            raise HTTPException(status_code=429, headers={"Retry-After": str(retry_after)},
                                detail=f"Too many requests: at most {limit.count} per {limit.unit} for "
                                       f"{self.bucket} routes; retry in {retry_after} s")
        return principal


def forbidden(principal: Principal, scope: str, why: str = "") -> HTTPException:
    """The 403 of a principal without `scope` (`why`: what the scope was needed for, in parentheses)."""
    return HTTPException(status_code=403, detail=f"Forbidden: principal {principal.name!r} lacks the scope {scope!r}"
                                                 + (f" ({why})" if why else ""))


def posted_application(request: Request, principal: Principal, application: dict, client_id: int | None,
                       use: str) -> dict:
    """A posted application as it is read: with a `client_id` its history goes into the features, which needs
    `client:read` (403 naming `use` otherwise); the request's audit row names the client and the application's
    hash."""
    if client_id is not None and not principal.can("client:read"):
        raise forbidden(principal, "client:read", f"needed to {use} a client's history")
    request.state.application_hash = application_hash(application, client_id)
    request.state.client_id = client_id
    return application


def secured(scope: str | None, bucket: str) -> dict[str, Any]:
    """Route options: the access dependency, and the scope (None: any principal) and rate limit written into the
    OpenAPI entry."""
    return {"dependencies": [Depends(Access(scope, bucket))],
            "openapi_extra": {SCOPE_HEADER: scope or AUTHENTICATED, "x-rate-limit": bucket}}


async def principal_of(request: Request) -> Principal:
    """The principal the route's access dependency identified."""
    return request.state.principal


PrincipalDep = Annotated[Principal, Depends(principal_of)]
