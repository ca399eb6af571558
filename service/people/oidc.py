"""Signing in with the district's OpenID Connect provider: which provider, and who.

The provider is configured by the deployment (``OIDC_*``; none configured, none offered).
It vouches for a person; the configured claim of its ID token (``preferred_username`` by
default) names the user of this service, compared exactly with user names. Only an
existing, active user is signed in: accounts are not created from the provider's word,
because who may act on cases is the administrators' decision, made with roles and places
the provider knows nothing of. The protocol itself is ``service.web.oidc``'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from service.core.errors import Forbidden, NotFound
from service.people.access import Actor
from workflows.i18n import _

if TYPE_CHECKING:
    from service.cases.case_service import CaseService


@dataclass(frozen=True)
class OidcSettings:
    """The one provider this deployment trusts."""

    issuer: str
    client_id: str
    client_secret: str
    claim: str = "preferred_username"
    scope: str = "openid profile"
    label: str = ""
    discovery_url: str = ""

    @property
    def metadata_url(self) -> str:
        """Where the provider's discovery document is (OpenID Connect Discovery 1.0)."""
        return self.discovery_url or self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> OidcSettings | None:
        """The settings, or None when no provider is configured (passwords only)."""
        issuer = environ.get("OIDC_ISSUER", "").strip()
        if not issuer:
            return None
        client_id = environ.get("OIDC_CLIENT_ID", "").strip()
        secret = environ.get("OIDC_CLIENT_SECRET", "")
        if not client_id or not secret:
            raise ValueError("OIDC_ISSUER is set, so OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be")
        scope = environ.get("OIDC_SCOPES", "").strip() or cls.scope
        if "openid" not in scope.split():
            raise ValueError(f"OIDC_SCOPES must include openid, not {scope!r}")
        return cls(
            issuer=issuer,
            client_id=client_id,
            client_secret=secret,
            claim=environ.get("OIDC_USER_CLAIM", "").strip() or cls.claim,
            scope=scope,
            label=environ.get("OIDC_LABEL", "").strip(),
            discovery_url=environ.get("OIDC_DISCOVERY_URL", "").strip(),
        )


def actor_for_claims(
    service: CaseService, settings: OidcSettings, claims: Mapping[str, Any]
) -> Actor:
    """The active user the verified claims name; ``Forbidden`` with the reason otherwise."""
    value = claims.get(settings.claim)
    if not isinstance(value, str) or not value.strip():
        raise Forbidden(
            _(
                "统一身份认证没有提供“{claim}”，无法确定您在本系统中的用户，请联系系统管理员。"
            ).format(claim=settings.claim)
        )
    try:
        with service.reading() as session:
            return service.actor(session, value)
    except NotFound:
        raise Forbidden(
            _(
                "统一身份认证账户“{name}”在本系统中没有对应的用户，或该用户已停用，"
                "请联系系统管理员。"
            ).format(name=value)
        ) from None
