"""A small OpenID provider for the SSO tests (test code only, never shipped).

A Flask app served over real HTTP on 127.0.0.1 by werkzeug's make_server in a thread, with a discovery
document, a JWKS, /authorize (no UI: it signs in `provider.user` at once), /token (client_secret_basic
or client_secret_post, the code's redirect_uri and PKCE S256 verifier checked, each code usable once)
and knobs (`provider.knobs`) that make it misbehave the ways the negative tests need. It records what
it saw (`authorize_requests`, `token_requests`) so tests can prove what the client really sent.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "codedash-test"
CLIENT_SECRET = "test-client-secret-0123456789abcdef"


def generate_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    """RFC 7636 S256 code challenge of a verifier."""
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass
class Knobs:
    """Ways to misbehave; the defaults are a correct provider."""
    authorize_error: str | None = None        # redirect back with ?error=... instead of a code
    sign_with_other_key: bool = False          # an RSA key not in the JWKS, same kid
    unknown_kid: bool = False                  # ... and with a kid the JWKS does not list
    alg: str = "RS256"                         # "none" (unsigned) or "HS256" (keyed by the client secret)
    nonce: str | None = "echo"                 # "echo" the request's nonce; None omits it; else this value
    aud: object = None                         # None: the client id; else this value
    azp: str | None = None                     # an azp claim (absent by default)
    iss: str | None = None                     # None: the issuer; else this value
    exp_offset: int = 300                      # exp = now + this (negative: already expired)
    iat_offset: int = 0
    omit_id_token: bool = False                # a token response with no id_token
    discovery_issuer: str | None = None        # the issuer named by the discovery document
    advertised_algs: list = field(default_factory=lambda: ["RS256"])
    auth_methods: list = field(default_factory=lambda: ["client_secret_basic", "client_secret_post"])
    discovery_extra: dict = field(default_factory=dict)   # more keys in the discovery document


class Provider:
    def __init__(self, key: RSAKey, other_key: RSAKey, other_kid_key: RSAKey):
        self.key, self.other_key, self.other_kid_key = key, other_key, other_kid_key
        self.client_id, self.client_secret = CLIENT_ID, CLIENT_SECRET
        self.redirect_uris: set[str] = set()
        self.user: dict = {"sub": "user-0001", "preferred_username": "ada", "name": "Ada Lovelace",
                           "email": "ada@example.org"}
        self.knobs = Knobs()
        self.codes: dict[str, dict] = {}
        self.authorize_requests: list[dict] = []
        self.token_requests: list[dict] = []
        self.app = self._make_app()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.port = self._server.server_port
        self.issuer = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> Provider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- the ID token ---------------------------------------------------------------------------
    def id_token(self, grant: dict) -> str:
        k = self.knobs
        now = int(time.time())
        claims = dict(grant["user"])
        claims.update(iss=k.iss or self.issuer, aud=self.client_id if k.aud is None else k.aud,
                      exp=now + k.exp_offset, iat=now + k.iat_offset)
        if k.nonce == "echo":
            if grant["nonce"] is not None:
                claims["nonce"] = grant["nonce"]
        elif k.nonce is not None:
            claims["nonce"] = k.nonce
        if k.azp is not None:
            claims["azp"] = k.azp
        if k.alg == "none":
            return _b64(b'{"alg":"none","typ":"JWT"}') + "." + _b64(json.dumps(claims).encode()) + "."
        if k.alg == "HS256":
            signing_input = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode()) + "." + \
                _b64(json.dumps(claims).encode())
            mac = hmac.new(self.client_secret.encode(), signing_input.encode(), hashlib.sha256).digest()
            return signing_input + "." + _b64(mac)
        key = self.other_kid_key if k.unknown_kid else self.other_key if k.sign_with_other_key else self.key
        return jwt.encode({"alg": "RS256", "typ": "JWT", "kid": key.kid}, claims, key)

    # --- the HTTP endpoints ---------------------------------------------------------------------
    def _make_app(self) -> Flask:
        app = Flask("oidc_test_provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            k = self.knobs
            return jsonify(
                issuer=k.discovery_issuer or self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=k.advertised_algs,
                token_endpoint_auth_methods_supported=k.auth_methods,
                code_challenge_methods_supported=["S256"],
                scopes_supported=["openid", "profile", "email"],
                **k.discovery_extra,
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            args = request.args
            seen = {name: args.get(name) for name in (
                "response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
                "code_challenge", "code_challenge_method")}
            self.authorize_requests.append(seen)
            if args.get("client_id") != self.client_id or args.get("redirect_uri") not in self.redirect_uris:
                return "unknown client or redirect_uri", 400       # never redirect to an unregistered URI
            back: dict[str, str] = {}
            if self.knobs.authorize_error:
                back = {"error": self.knobs.authorize_error,
                        "error_description": "The user <b>refused</b>\nsecret-detail"}
            elif args.get("response_type") != "code" or "openid" not in (args.get("scope") or "").split():
                back = {"error": "invalid_request"}
            else:
                code = secrets.token_urlsafe(24)
                self.codes[code] = {"client_id": self.client_id, "redirect_uri": seen["redirect_uri"],
                                    "nonce": seen["nonce"], "challenge": seen["code_challenge"],
                                    "method": seen["code_challenge_method"], "user": dict(self.user)}
                back = {"code": code}
            if args.get("state") is not None:
                back["state"] = args["state"]
            return redirect(seen["redirect_uri"] + "?" + urllib.parse.urlencode(back), 302)

        @app.post("/token")
        def token():
            form = request.form
            record = {"auth_method": None, "pkce_verified": False, "error": None}
            self.token_requests.append(record)

            def error(code: str, status: int = 400, why: str = ""):
                record["error"] = code + (f": {why}" if why else "")
                return jsonify(error=code), status

            header = request.headers.get("Authorization", "")
            if header.startswith("Basic "):
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                client_id, secret = urllib.parse.unquote_plus(user), urllib.parse.unquote_plus(password)
                record["auth_method"] = "client_secret_basic"
            elif "client_secret" in form:
                client_id, secret = form.get("client_id"), form.get("client_secret")
                record["auth_method"] = "client_secret_post"
            else:
                return error("invalid_client", 401)
            if record["auth_method"] not in self.knobs.auth_methods or client_id != self.client_id or \
                    not hmac.compare_digest(secret.encode(), self.client_secret.encode()):
                return error("invalid_client", 401)
            if form.get("grant_type") != "authorization_code":
                return error("unsupported_grant_type")
            grant = self.codes.pop(form.get("code", ""), None)          # one use per code
            if grant is None or grant["client_id"] != client_id or grant["redirect_uri"] != form.get("redirect_uri"):
                return error("invalid_grant", why="code")
            if grant["challenge"] is not None:
                verifier = form.get("code_verifier")
                if grant["method"] != "S256" or not verifier or \
                        not hmac.compare_digest(s256(verifier), grant["challenge"]):
                    return error("invalid_grant", why="PKCE")
                record["pkce_verified"] = True
            body = {"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300}
            if not self.knobs.omit_id_token:
                body["id_token"] = self.id_token(grant)
            return jsonify(body)

        return app
