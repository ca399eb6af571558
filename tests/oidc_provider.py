"""A small OpenID provider for the tests, built from Authlib's own server classes.

It runs the authorization-code flow as a district's SSO would, and strictly: the
authorization request must carry ``state``, ``nonce`` and an S256 PKCE challenge, the
token request must prove the verifier and the client's secret, and the ID token is an
RS256 JWT signed with the key published at ``/jwks``. The package oidc-provider-mock
was the first choice, but its last release for Python 3.11 (0.3.4) accepts a token
request without the PKCE verifier, so it could not show the client sends one.

The person signed in at the provider is whoever the test says (``sign_in_as``); the
authorization endpoint approves at once, as an SSO does for someone already signed in.
``forge`` makes the provider misbehave the ways an attacker in the middle would: sign
with a key it does not publish, or answer with another nonce or audience.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo
from flask import Flask, jsonify, request
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "prior-approval"
CLIENT_SECRET = "s3cret-of-the-district"


@dataclass
class Client:
    """The one registered client: this service, with its redirect address."""

    redirect_uris: list[str]
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in ("openid", "profile", "email"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict[str, Any]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class Token:
    access_token: str
    scope: str
    user: dict[str, Any]
    issued_at: int

    def check_client(self, client: Client) -> bool:
        return True

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return 3600

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + 3600

    def is_revoked(self) -> bool:
        return False


class StrictCodeChallenge(CodeChallenge):
    """PKCE for every client, the confidential ones too, and only S256."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ("S256",)

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        if not grant.request.payload.data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'")
        if grant.request.payload.data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)


class Provider:
    """The provider's state: its keys, client, codes, tokens, and who is signed in."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "district-1", "use": "sig"})
        self.rogue_key = RSAKey.generate_key(2048, parameters={"kid": "district-1"})
        self.client = Client(redirect_uris=[])
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Token] = {}
        self.user: dict[str, Any] = {}
        self.forge: str | None = None  # "signature", "nonce", "audience"
        self.claims_in_id_token = True  # False: the ID token names only ``sub``
        self.token_requests: list[dict[str, str]] = []
        self.issuer = ""

    def sign_in_as(self, sub: str, **claims: Any) -> None:
        self.user = {"sub": sub, **claims}


def create_provider_app(provider: Provider) -> Flask:
    app = Flask(__name__)
    server = AuthorizationServer(
        app,
        query_client=lambda client_id: provider.client if client_id == CLIENT_ID else None,
        save_token=lambda token, req: provider.tokens.__setitem__(
            token["access_token"],
            Token(token["access_token"], token.get("scope", ""), req.user, int(time.time())),
        ),
    )

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code: str, req: Any) -> None:
            data = req.payload.data
            provider.codes[code] = Code(
                code=code,
                client_id=req.client.get_client_id(),
                redirect_uri=req.payload.redirect_uri,
                scope=req.payload.scope,
                user=req.user,
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )

        def query_authorization_code(self, code: str, client: Client) -> Code | None:
            found = provider.codes.get(code)
            return found if found and found.client_id == client.get_client_id() else None

        def delete_authorization_code(self, authorization_code: Code) -> None:
            provider.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: Code) -> dict[str, Any]:
            return authorization_code.user

    class IdToken(OpenIDCode):
        def exists_nonce(self, nonce: str, req: Any) -> bool:
            return any(c.nonce == nonce for c in provider.codes.values())

        def resolve_client_private_key(self, client: Client) -> dict[str, Any]:
            key = provider.rogue_key if provider.forge == "signature" else provider.key
            return key.as_dict(private=True)

        def get_client_algorithm(self, client: Client) -> str:
            return "RS256"

        def get_encode_header(self, client: Client) -> dict[str, str]:
            return {"alg": "RS256", "kid": "district-1"}

        def get_client_claims(self, client: Client) -> dict[str, Any]:
            audience = "someone-else" if provider.forge == "audience" else CLIENT_ID
            return {"iss": provider.issuer, "aud": [audience], "exp": int(time.time()) + 300}

        def get_authorization_code_claims(self, authorization_code: Code) -> dict[str, Any]:
            claims = super().get_authorization_code_claims(authorization_code)
            if provider.forge == "nonce":
                claims["nonce"] = "a-nonce-from-another-sign-in"
            return claims

        def generate_user_info(self, user: dict[str, Any], scope: str) -> UserInfo:
            return UserInfo(user if provider.claims_in_id_token else {"sub": user["sub"]})

    server.register_grant(CodeGrant, [IdToken(require_nonce=True), StrictCodeChallenge()])

    class Bearer(BearerTokenValidator):
        def authenticate_token(self, token_string: str) -> Token | None:
            return provider.tokens.get(token_string)

    protected = ResourceProtector()
    protected.register_token_validator(Bearer())

    @app.get("/.well-known/openid-configuration")
    def discovery():
        base = provider.issuer
        return jsonify(
            issuer=base,
            authorization_endpoint=f"{base}/authorize",
            token_endpoint=f"{base}/token",
            userinfo_endpoint=f"{base}/userinfo",
            jwks_uri=f"{base}/jwks",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            code_challenge_methods_supported=["S256"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        )

    @app.get("/jwks")
    def jwks():
        return jsonify(KeySet([provider.key]).as_dict(private=False))

    @app.get("/authorize")
    def authorize():
        if not request.args.get("state"):
            return "state is required", 400
        user = provider.user or None
        try:
            grant = server.get_consent_grant(end_user=user)
        except OAuth2Error as error:
            return server.handle_error_response(None, error)
        return server.create_authorization_response(grant_user=user, grant=grant)

    @app.post("/token")
    def token():
        provider.token_requests.append(dict(request.form))
        return server.create_token_response()

    @app.get("/userinfo")
    @protected("openid")
    def userinfo():
        return jsonify(current_token.user)

    return app


@contextmanager
def running_provider() -> Iterator[Provider]:
    """The provider on a free port of 127.0.0.1, for the length of a test."""
    provider = Provider()
    http = make_server("127.0.0.1", 0, create_provider_app(provider), threaded=True)
    provider.issuer = f"http://127.0.0.1:{http.server_port}"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        http.shutdown()
        thread.join()
