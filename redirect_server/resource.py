"""The /go/{slug} resource, matched without a regular expression; /go answered ahead
of the application layer; and what the router would allow at a path no route serves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web

Redirect = Callable[[web.BaseRequest, str], Awaitable[web.StreamResponse]]

GO_METHODS = frozenset((hdrs.METH_GET, hdrs.METH_HEAD))


class SlugResource(web.DynamicResource):
    """`<prefix>/{slug}`, matched with string operations instead of DynamicResource's
    regular expression, which costs three times as much; /go matches one for every
    lead. It matches exactly what `DynamicResource(prefix + "/{slug}")` matches (one
    non-empty segment without '{', '}' or '/') and unquotes it the same way."""

    def __init__(self, prefix: str, *, name: str | None = None) -> None:
        super().__init__(prefix + "/{slug}", name=name)
        self._start = prefix + "/"

    def add_prefix(self, prefix: str) -> None:
        super().add_prefix(prefix)
        self._start = prefix + self._start

    def _match(self, path: str) -> dict[str, str] | None:
        slug = self.slug_of(path)
        return None if slug is None else {"slug": slug}

    def slug_of(self, path: str) -> str | None:
        """The slug in `path` (as the router sees it: `rel_url.path_safe`), or None."""
        start = self._start
        if not path.startswith(start):
            return None
        slug = path[len(start) :]
        if not slug or "/" in slug or "{" in slug or "}" in slug:
            return None
        if "%" in slug:  # the path is decoded but for these two, as aiohttp leaves them
            slug = slug.replace("%2F", "/").replace("%25", "%")
        return slug


class GoFirst:
    """GET and HEAD /go/<slug> answered ahead of aiohttp's application layer.

    On its way to a handler every request pays for that layer: a `Request`'s router
    walk, its match info built, stacked and frozen, the Expect check, the middleware
    test, the response-prepare signals. For a lead's redirect that is more than all of
    botpool's own work (rate limit, crawler check, choice, counting, latency), so
    `install` puts this in front of the server's handler: it answers what the /go
    resource's GET and HEAD routes would answer, with the same matching, and passes
    everything else on unchanged (POST /go/x still gets the router's 405). Those routes
    stay registered: they serve any runner this is not installed on, and the 405s'
    Allow. The request reaches `redirect` without match info, which it does not read."""

    def __init__(self, resource: SlugResource, redirect: Redirect) -> None:
        self._slug_of = resource.slug_of
        self._redirect = redirect

    def install(self, server: web.Server) -> None:
        """Call after the runner's setup() and before the site starts: connections
        take the server's handler when they open."""
        slug_of, redirect, rest = self._slug_of, self._redirect, server.request_handler

        def answer(request: web.BaseRequest) -> Awaitable[web.StreamResponse]:
            if request.method in GO_METHODS:
                slug = slug_of(request.rel_url.path_safe)
                if slug is not None:
                    return redirect(request, slug)
            return rest(request)

        server.request_handler = answer


async def methods_served(router: web.UrlDispatcher, request: web.Request) -> set[str]:
    """The methods that some resource of `router` serves at this request's path (a 405's
    Allow header); empty when none serves the path."""
    allowed: set[str] = set()
    for resource in router.resources():
        match, methods = await resource.resolve(request)
        if match is None:
            allowed |= methods
    return allowed
