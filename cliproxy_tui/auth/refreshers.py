"""Token refreshers of the token files this version routes to: Claude Code and Codex.

Each turns a token file's JSON into the refreshed JSON, as providers.md §5.3 and §6.3
say, through the proxy's own HTTP pool (so ``proxy_url``, the global proxy and
``CLIPROXY_UPSTREAM_MAP`` apply, as for every outgoing call). Where upstream blanks a
field the answer lacks (the e-mail, Codex's ``id_token``), the old value is kept.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from .. import jsonfast
from ..errors import TransportError, UpstreamError
from ..providers.http import HttpPool, read_body, request
from .refresh import Refresher, RefreshError

CLAUDE_TOKEN_URL = "https://console.anthropic.com/v1/oauth/token"
CLAUDE_CLIENT_ID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
CODEX_TOKEN_URL = "https://auth.openai.com/oauth/token"
CODEX_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"
#: Codex: three attempts, 1 s then 2 s apart, for failures a retry can cure
CODEX_RETRY_DELAYS = (1.0, 2.0)


def _now_local() -> datetime:
    return datetime.now().astimezone()


def _rfc3339(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def _expiry(answer: dict[str, Any], now: datetime) -> str | None:
    seconds = answer.get("expires_in")
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds > 0:
        return _rfc3339(now + timedelta(seconds=seconds))
    return None


def _refreshed(meta: dict[str, Any], answer: dict[str, Any], kind: str) -> dict[str, Any]:
    """The fields every refresh sets: tokens (a missing refresh token keeps the old one),
    expiry, type and the refresh time."""
    now = _now_local()
    new = dict(meta)
    new["access_token"] = answer["access_token"]
    _keep_text(new, "refresh_token", answer.get("refresh_token"))
    expired = _expiry(answer, now)
    if expired:
        new["expired"] = expired
    new["type"] = kind
    new["last_refresh"] = _rfc3339(now)
    return new


def _keep_text(new: dict[str, Any], key: str, value: Any) -> bool:
    """Set ``new[key]`` when ``value`` is a non-empty string; otherwise the old value stays."""
    if isinstance(value, str) and value:
        new[key] = value
        return True
    return False


def _refresh_token(meta: dict[str, Any]) -> str:
    token = meta.get("refresh_token")
    if not isinstance(token, str) or not token:
        raise RefreshError("this login has no refresh token: sign in again")
    return token


async def _post(pool: HttpPool, url: str, body: bytes, content_type: str,
                proxy_url: str) -> dict[str, Any]:
    headers = {"Content-Type": content_type, "Accept": "application/json"}
    try:
        resp = await request(pool, "POST", url, headers=headers, body=body, proxy_url=proxy_url)
        data = await read_body(resp)
    except UpstreamError as exc:
        text = " ".join(exc.body.decode("utf-8", "replace").split())[:300]
        raise RefreshError(f"token refresh failed with status {exc.status}: {text}") from None
    try:
        answer = jsonfast.loads(data)
    except jsonfast.JSONDecodeError:
        raise RefreshError("token refresh failed: the answer is not JSON") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str) \
            or not answer["access_token"]:
        raise RefreshError("token refresh failed: the answer has no access_token")
    return answer


def claude_refresher(pool: HttpPool) -> Refresher:
    async def refresh(meta: dict[str, Any]) -> dict[str, Any]:
        body = jsonfast.dumps({"client_id": CLAUDE_CLIENT_ID, "grant_type": "refresh_token",
                               "refresh_token": _refresh_token(meta)})
        answer = await _post(pool, CLAUDE_TOKEN_URL, body, "application/json",
                             str(meta.get("proxy_url") or ""))
        new = _refreshed(meta, answer, "claude")
        account = answer.get("account")
        _keep_text(new, "email", account.get("email_address") if isinstance(account, dict)
                   else None)
        return new

    return refresh


def jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, decoded without verification; {} if it is not one."""
    parts = token.split(".")
    if len(parts) < 2:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = jsonfast.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def codex_refresher(pool: HttpPool,
                    retry_delays: Sequence[float] = CODEX_RETRY_DELAYS) -> Refresher:
    async def refresh(meta: dict[str, Any]) -> dict[str, Any]:
        body = urlencode({"client_id": CODEX_CLIENT_ID, "grant_type": "refresh_token",
                          "refresh_token": _refresh_token(meta),
                          "scope": "openid profile email"}).encode()
        proxy_url = str(meta.get("proxy_url") or "")
        for delay in (*retry_delays, None):
            try:
                answer = await _post(pool, CODEX_TOKEN_URL, body,
                                     "application/x-www-form-urlencoded", proxy_url)
                break
            except (RefreshError, TransportError) as exc:
                # a refused refresh token stays refused; a broken connection or a 5xx may not
                retryable = isinstance(exc, TransportError) or "status 5" in str(exc)
                if delay is None or not retryable:
                    if isinstance(exc, TransportError):
                        raise RefreshError(f"token refresh failed: {exc}") from None
                    raise
                await asyncio.sleep(delay)
        new = _refreshed(meta, answer, "codex")
        id_token = answer.get("id_token")
        if _keep_text(new, "id_token", id_token):
            claims = jwt_claims(id_token)
            _keep_text(new, "email", claims.get("email"))
            auth = claims.get("https://api.openai.com/auth")
            _keep_text(new, "account_id", auth.get("chatgpt_account_id")
                       if isinstance(auth, dict) else None)
        return new

    return refresh
