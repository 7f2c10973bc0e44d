"""Error answers of /go: a small HTML page in the lead's language for browsers, and
`{"error": {"code", "message"}}` for programs."""

from __future__ import annotations

import json
from functools import lru_cache
from html import escape

from aiohttp import hdrs, web

from redirect_server.texts import DEFAULT_LANGUAGE, t

SERVER = "botpool"  # every answer's Server header: no Python or aiohttp version for all to see
CODES = {404: "not_found", 429: "rate_limited", 503: "no_bot_available"}

_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;margin:0;min-height:100vh;display:flex;
align-items:center;justify-content:center;background:#f4f6f8;color:#1f2933}}
main{{max-width:26rem;padding:2rem;text-align:center}}
h1{{font-size:1.4rem}} p{{line-height:1.5}}
a{{display:inline-block;margin-top:1rem;padding:.6rem 1.2rem;border-radius:.4rem;
background:#229ed9;color:#fff;text-decoration:none}}
</style>
</head>
<body><main><h1>{title}</h1><p>{message}</p>{retry}</main></body>
</html>
"""


@lru_cache(maxsize=512)
def language_of(accept_language: str) -> str:
    """The best of our languages by the Accept-Language q-values; pt-BR when none fits."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in accept_language.split(","):
        tag, _, params = part.partition(";")
        tag = tag.strip().lower()
        if tag.startswith("en"):
            language = "en"
        elif tag.startswith("pt"):
            language = "pt-BR"
        else:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q:
            best, best_q = language, q
    return best


def wants_json(accept: str) -> bool:
    """JSON for clients that ask for it or do not ask for HTML (curl, scripts, apps)."""
    accept = accept.lower()
    return "application/json" in accept or "text/html" not in accept


@lru_cache(maxsize=32)
def _body(status: int, language: str, as_json: bool) -> bytes:
    code = CODES[status]
    message = t(language, f"{code}.message")
    if as_json:
        return json.dumps(
            {"error": {"code": code, "message": message}}, ensure_ascii=False
        ).encode()
    retry = "" if status == 404 else f'<a href="">{escape(t(language, "retry"))}</a>'
    return _PAGE.format(
        lang=language,
        title=escape(t(language, f"{code}.title")),
        message=escape(message),
        retry=retry,
    ).encode()


def error_response(
    request: web.BaseRequest, status: int, *, retry_after: int | None = None
) -> web.Response:
    """The 404, 429 or 503 answer for this client, never cached."""
    headers = request.headers
    as_json = wants_json(headers.get(hdrs.ACCEPT, ""))
    language = language_of(headers.get(hdrs.ACCEPT_LANGUAGE, ""))
    response = web.Response(
        status=status,
        body=_body(status, language, as_json),
        content_type="application/json" if as_json else "text/html",
        charset="utf-8",
    )
    response.headers[hdrs.CACHE_CONTROL] = "no-store"
    response.headers[hdrs.SERVER] = SERVER
    response.headers[hdrs.VARY] = "Accept, Accept-Language"
    response.headers[hdrs.CONTENT_LANGUAGE] = language
    if retry_after is not None:
        response.headers[hdrs.RETRY_AFTER] = str(max(1, retry_after))
    return response


async def name_server(_request: web.Request, response: web.StreamResponse) -> None:
    """An on_response_prepare signal handler: the answer names botpool as its Server."""
    response.headers[hdrs.SERVER] = SERVER
