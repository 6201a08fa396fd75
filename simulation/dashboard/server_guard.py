"""Guards around Solara's web server: only this machine's host names, only the bundled assets.

The dashboard listens on 127.0.0.1, but any web page the user has open can make the browser
send requests there, and a DNS-rebinding page can make them look same-origin (see SECURITY.md).
So the server

* answers only requests whose `Host:` is a name it serves (127.0.0.1, localhost, ::1, the
  bound address and any `--allow-host`), and refuses websockets and state-changing requests
  whose `Origin:` is another site's;
* serves `/_solara/cdn/...` itself, read-only, from the offline asset cache that
  `simulation.dashboard.assets` fills: a regular file inside a completely unpacked package, or
  404. Solara's own handler for that route (`StaticCdn.lookup_path` ->
  `cdn_helper.get_path`) deletes a cache folder when asked for one (`shutil.rmtree`) and
  fetches anything missing from the internet; it is never reached.

Why middleware on Solara's app object: `recovery-sim dashboard` runs `solara run`, which
makes uvicorn import `solara.server.starlette:app` by name, in this process. Adding our
middleware to that same Starlette object before the server starts puts it in front of every
route, whatever Solara's routing does inside, and needs no copy of Solara's server set-up.
Patching `cdn_helper.get_path` instead would not do: `solara.server.starlette` holds its own
reference to it (`from .cdn_helper import get_path`). As a second line, `patch_solara_cdn`
replaces both references by a read-only lookup and `fetch_from_cdn` by a refusal, so no
other Solara path deletes or downloads either; the app module calls it too, for a server
started with plain `solara run`.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import sys
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import PlainTextResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from simulation.dashboard.assets import COMPLETE_MARKER
from simulation.errors import RecoverySimError

#: The URL prefix Solara's page loads its browser files from (`cdn_helper.cdn_url_path`).
CDN_PREFIX = "/_solara/cdn"
#: Host names every dashboard answers to, whatever address it binds.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
#: Addresses that mean "every interface": the machine's own name is added for them.
WILDCARD_ADDRESSES = ("0.0.0.0", "::", "")
#: An exact npm version in the path (`@10.1.1/`): npm never republishes one, so the file
#: behind such a URL never changes and the browser may keep it (as Solara's StaticCdn does).
_EXACT_VERSION = re.compile(r"@\d+\.\d+\.\d+(?:[-+][\w.]+)?/")
_IMMUTABLE = "public, max-age=31536000, immutable"
_SAFE_METHODS = ("GET", "HEAD")
#: What `--allow-host` takes: a DNS name or IPv4 address, `*.domain`, or `*` (any host).
_HOST_PATTERN = re.compile(r"\*|(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?", re.IGNORECASE)


def _is_ipv6(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).version == 6
    except ValueError:
        return False


def host_name(address: str) -> str:
    """`address` as it appears in a `Host:` header: lower case, IPv6 literals in brackets."""
    address = address.strip().lower()
    return f"[{address.strip('[]')}]" if _is_ipv6(address) else address


def allowed_hosts(bind: str, extra: Iterable[str] = ()) -> list[str]:
    """The `Host:` names the dashboard answers to when it listens on `bind`.

    Args:
        bind: the address given to `--host`.
        extra: further names from `--allow-host` (a name, an address, `*.example.org`, or `*`
            for any host, which turns the check off).

    Returns:
        The names, loopback first, each once. Ports are not compared: a page that reaches
        the server has already used its port, only the name tells a rebinding page apart.

    Raises:
        RecoverySimError: an `extra` name is not a host name (e.g. it has a port).
    """
    names = [*LOOPBACK_HOSTS, host_name(bind)]
    if bind.strip() in WILDCARD_ADDRESSES:
        names.append(host_name(socket.gethostname()))
    for name in extra:
        if not _HOST_PATTERN.fullmatch(name.strip().strip("[]")) and not _is_ipv6(name):
            raise RecoverySimError(
                f"--allow-host {name[:100]!r} is not a host name; allowed: a name or address "
                "without a port (dashboard.example.org, 192.168.1.20, ::1), *.example.org "
                "for a whole domain, or * for any host (turns the check off)"
            )
        names.append(host_name(name))
    return list(dict.fromkeys(name for name in names if name and name not in WILDCARD_ADDRESSES))


def asset_file(cache: Path, relative: str) -> Path | None:
    """The cached file a `/_solara/cdn/<relative>` URL may serve, or None to refuse it.

    Only a regular file inside a package folder that `assets` unpacked completely (it holds
    the completion marker): no folder, no package root, no `.`/`..` parts, no backslashes,
    nothing that resolves (through a symlink) outside its package.

    Args:
        cache: the asset cache folder.
        relative: the URL path after the prefix, already percent-decoded.

    Returns:
        The resolved file, or None.
    """
    if "\\" in relative or "\x00" in relative:
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    depth = 2 if parts[0].startswith("@") else 1  # npm scopes: @scope/package@version
    if len(parts) <= depth:
        return None
    package = cache.joinpath(*parts[:depth])
    if not (package / COMPLETE_MARKER).is_file():
        return None
    target = cache.joinpath(*parts).resolve()
    if not target.is_relative_to(package.resolve()) or not target.is_file():
        return None
    return target


def _route_path(scope: Scope) -> str:
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class OfflineAssets:
    """ASGI middleware that answers `/_solara/cdn/...` from the offline cache, read-only."""

    def __init__(self, app: ASGIApp, cache: Path) -> None:
        self.app = app
        self.cache = Path(cache)
        self.files = StaticFiles(directory=self.cache, check_dir=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve or refuse asset URLs; pass everything else to Solara."""
        path = _route_path(scope) if scope["type"] in ("http", "websocket") else ""
        if path != CDN_PREFIX and not path.startswith(CDN_PREFIX + "/"):
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["method"] not in _SAFE_METHODS:
            response = PlainTextResponse("Method not allowed", 405, {"Allow": "GET, HEAD"})
            await response(scope, receive, send)
            return
        relative = path[len(CDN_PREFIX) + 1 :]
        target = asset_file(self.cache, relative)
        if target is None:
            text = (
                "Not in the dashboard's offline asset cache (nothing is fetched from the internet)"
            )
            await PlainTextResponse(text, 404)(scope, receive, send)
            return
        try:
            response = await self.files.get_response(
                target.relative_to(self.cache.resolve()).as_posix(), scope
            )
        except HTTPException as exc:
            response = PlainTextResponse(str(exc.detail), exc.status_code)
        if response.status_code in (200, 304) and _EXACT_VERSION.search(relative):
            response.headers["Cache-Control"] = _IMMUTABLE
        await response(scope, receive, send)


class SameOrigin:
    """ASGI middleware refusing websockets and non-GET requests sent by another site's page.

    A page on any site can open a websocket to 127.0.0.1 (browsers do not apply CORS to
    websockets) and drive the dashboard; its `Origin:` header gives it away. Requests without
    an `Origin:` (not from a browser page) pass; the Host check still applies to them.
    """

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = [host.lower() for host in hosts]
        self.any = "*" in self.hosts

    def _allowed(self, origin: str) -> bool:
        if self.any:
            return True
        try:
            host = urlsplit(origin).hostname
        except ValueError:
            return False
        if not host:
            return False  # "null": a sandboxed frame or a local file
        name = host_name(host)
        return any(
            name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:]))
            for pattern in self.hosts
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a foreign Origin on websockets and state-changing requests."""
        checked = scope["type"] == "websocket" or (
            scope["type"] == "http" and scope["method"] not in _SAFE_METHODS
        )
        origin = Headers(scope=scope).get("origin") if checked else None
        if origin is None or self._allowed(origin):
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # uvicorn answers 403
        else:
            await PlainTextResponse("Cross-site request refused", 403)(scope, receive, send)


def _refuse_cdn(url: str) -> bytes:
    raise PermissionError(f"recovery-sim dashboard works offline: not fetching {url}")


def _cached_path(base_cache_dir: Path, path: str) -> Path:
    """A safe `cdn_helper.get_path`: the cached file, never a deletion or a download."""
    found = asset_file(Path(base_cache_dir), str(path))
    if found is None:
        raise FileNotFoundError(f"{path} is not in the dashboard's offline asset cache")
    return found


def patch_solara_cdn() -> None:
    """Make Solara's own asset handler read-only and offline, wherever it is reached.

    The middleware keeps requests away from it when `recovery-sim dashboard` starts the
    server; this covers a server started another way (`solara run simulation.dashboard.app`),
    where the app module is imported after the middleware stack is built. Its `lookup_path`
    turns the FileNotFoundError into a 404.
    """
    from solara.server import cdn_helper

    cdn_helper.fetch_from_cdn = _refuse_cdn
    cdn_helper.get_path = _cached_path
    module = sys.modules.get("solara.server.starlette")
    if module is not None:  # it holds its own reference (`from .cdn_helper import get_path`)
        module.get_path = _cached_path  # type: ignore[attr-defined]


def install(bind: str, extra_hosts: Iterable[str] = ()) -> list[str]:
    """Put the guards in front of Solara's Starlette app; call before the server starts.

    Args:
        bind: the address the server will listen on.
        extra_hosts: further `Host:` names to answer to (`--allow-host`).

    Returns:
        The host names the server answers to.
    """
    import solara.settings

    # The page must load its files through the (guarded) local route, never from a CDN.
    solara.settings.assets.proxy = True
    from solara.server import settings
    from solara.server import starlette as solara_starlette

    patch_solara_cdn()
    hosts = allowed_hosts(bind, extra_hosts)
    app = solara_starlette.app
    # add_middleware puts each one outermost: the host check runs first, then the origin
    # check, then the asset route.
    app.add_middleware(OfflineAssets, cache=Path(settings.assets.proxy_cache_dir))
    app.add_middleware(SameOrigin, hosts=hosts)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False)
    return hosts
