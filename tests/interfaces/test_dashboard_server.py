"""The dashboard's web server under requests a hostile page could make (see SECURITY.md).

The server here runs on a copy of the offline asset cache (hard links where the file system
allows), so a request that did delete a folder would delete it from the copy only.
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from simulation.dashboard import assets, server_guard
from simulation.errors import RecoverySimError

ALLOWED_EXTRA = "dashboard.example.org"
REQUIRE = "requirejs@2.3.6"  # a package solara's page loads, with a sub-folder (bin/)
APP = "@widgetti/solara-vuetify-app@10.1.1"  # a scoped package: two path parts


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """`recovery-sim dashboard` on a copy of the asset cache, with one extra allowed host."""
    real = assets.cache_dir()
    if assets.missing_specs([REQUIRE, APP], real):
        pytest.skip(f"the asset cache {real} is not filled (python -m simulation.dashboard.assets)")
    root = tmp_path_factory.mktemp("guarded")
    cache = root / "cdn"
    shutil.copytree(real, cache, copy_function=_link_or_copy)
    (root / "outside.txt").write_text("a file next to the cache\n", encoding="utf-8")
    (cache / "unmarked@1.0.0").mkdir()  # a folder that assets.py did not unpack
    (cache / "unmarked@1.0.0" / "index.js").write_text("// not bundled\n", encoding="utf-8")
    (cache / REQUIRE / "escape.txt").symlink_to(root / "outside.txt")
    port = _free_port()
    log = (root / "server.log").open("w")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "simulation", "dashboard", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--allow-host", ALLOWED_EXTRA], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the dashboard exited: {(root / 'server.log').read_text()}")
            try:
                if _get(port, "/readyz")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield {"port": port, "cache": cache, "root": root}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _get(port: int, path: str, method: str = "GET", **headers: str) -> tuple[int, bytes, dict]:
    """Send `path` as it is (no normalising of `..`) and return status, body and headers."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host="Host" in headers)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


# --- the asset route ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "folder", [f"{REQUIRE}/bin", f"{REQUIRE}/bin/", APP, f"{APP}/", REQUIRE, "@widgetti"]
)
def test_a_folder_is_refused_and_stays(guarded, folder):
    cache = guarded["cache"]
    before = _files(cache / folder)
    assert before, f"{folder} should hold files in the copied cache"
    started = time.monotonic()
    status, body, _ = _get(guarded["port"], f"/_solara/cdn/{folder}")
    assert status == 404 and b"offline asset cache" in body
    assert time.monotonic() - started < 5  # no CDN fetch with its retries
    assert _files(cache / folder) == before


def test_a_cached_file_is_served_with_its_bytes(guarded):
    cache, port = guarded["cache"], guarded["port"]
    status, body, headers = _get(port, f"/_solara/cdn/{REQUIRE}/require.js")
    assert status == 200 and body == (cache / REQUIRE / "require.js").read_bytes()
    assert "immutable" in headers["cache-control"]
    main = next(p for p in (cache / APP).rglob("*.js") if p.is_file())
    status, body, _ = _get(port, f"/_solara/cdn/{APP}/{main.relative_to(cache / APP).as_posix()}")
    assert status == 200 and body == main.read_bytes()
    status, body, _ = _get(port, f"/_solara/cdn/{REQUIRE}/require.js", method="HEAD")
    assert status == 200 and body == b""


@pytest.mark.parametrize(
    "path",
    [
        f"/_solara/cdn/{REQUIRE}/../../outside.txt",
        "/_solara/cdn/../outside.txt",
        "/_solara/cdn/%2e%2e/outside.txt",
        f"/_solara/cdn/{REQUIRE}/..%2f..%2foutside.txt",
        f"/_solara/cdn/{REQUIRE}/escape.txt",  # a symlink out of the package
        f"/_solara/cdn/{REQUIRE}/%5c..%5c..%5coutside.txt",
        "/_solara/cdn/unmarked@1.0.0/index.js",  # in the folder, not in the bundled cache
        f"/_solara/cdn/{REQUIRE}/never-cached.js",  # would be fetched from the CDN
        f"/_solara/cdn/{REQUIRE}/./require.js",
        "/_solara/cdn/",
        "/_solara/cdn",
    ],
)
def test_paths_outside_the_bundled_cache_are_refused(guarded, path):
    started = time.monotonic()
    status, body, _ = _get(guarded["port"], path)
    assert status == 404, body
    assert b"a file next to the cache" not in body
    assert time.monotonic() - started < 5
    assert not (guarded["cache"] / REQUIRE / "never-cached.js").exists()


def test_the_asset_route_is_read_only(guarded):
    status, _, headers = _get(guarded["port"], f"/_solara/cdn/{REQUIRE}/require.js", "POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"
    status, _, _ = _get(guarded["port"], f"/_solara/cdn/{REQUIRE}/bin", "DELETE")
    assert status == 405 and (guarded["cache"] / REQUIRE / "bin").is_dir()


# --- host and origin ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host, status",
    [
        ("evil.example", 400),
        ("evil.example:{port}", 400),
        ("127.0.0.1.evil.example:{port}", 400),
        ("localhost.evil.example", 400),
        ("", 400),
        ("127.0.0.1:{port}", 200),
        ("localhost:{port}", 200),
        ("[::1]:{port}", 200),
        (f"{ALLOWED_EXTRA}:{{port}}", 200),
    ],
)
def test_only_the_served_host_names_are_answered(guarded, host, status):
    port = guarded["port"]
    assert _get(port, "/", Host=host.format(port=port))[0] == status
    assert _get(port, f"/_solara/cdn/{REQUIRE}/require.js", Host=host.format(port=port))[0] == (
        200 if status == 200 else 400
    )


def _websocket_status(port: int, origin: str) -> int:
    request = (
        "GET /jupyter/api/kernels/guard-test/channels?session_id=guard-test HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request.encode())
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


def test_another_sites_page_cannot_open_the_websocket(guarded):
    port = guarded["port"]
    assert _websocket_status(port, "http://evil.example") == 403
    assert _websocket_status(port, "null") == 403
    assert _websocket_status(port, f"http://127.0.0.1:{port}") != 403


def test_another_sites_page_cannot_post(guarded):
    port = guarded["port"]
    path = "/_solara/api/close/guard-test?session_id=guard-test"
    assert _get(port, path, "POST", Origin="http://evil.example")[0] == 403
    assert _get(port, path, "POST", Origin=f"http://localhost:{port}")[0] != 403


# --- the pieces, without a server -----------------------------------------------------------


def test_allowed_hosts_are_loopback_the_bound_address_and_extras():
    assert server_guard.allowed_hosts("127.0.0.1") == ["127.0.0.1", "localhost", "[::1]"]
    assert server_guard.allowed_hosts("192.168.1.20", ["Lab.Example.org", "fe80::1"]) == [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "192.168.1.20",
        "lab.example.org",
        "[fe80::1]",
    ]
    everywhere = server_guard.allowed_hosts("0.0.0.0")
    assert "0.0.0.0" not in everywhere
    assert server_guard.host_name(socket.gethostname()) in everywhere


@pytest.mark.parametrize("bad", ["host:8765", "evil*.example", "a b", "http://x", ""])
def test_a_bad_allow_host_is_a_clear_error(bad, monkeypatch, capsys):
    from simulation.cli import main

    with pytest.raises(RecoverySimError, match="allowed: a name or address without a port"):
        server_guard.allowed_hosts("127.0.0.1", [bad])
    monkeypatch.setattr(server_guard, "install", lambda *a: pytest.fail("the server started"))
    with pytest.raises(SystemExit) as stopped:
        main(["dashboard", "--allow-host", bad])
    assert stopped.value.code == 2
    message = capsys.readouterr().err
    assert message.startswith("error: --allow-host") and "allowed:" in message


def test_asset_file_accepts_only_files_of_complete_packages(tmp_path):
    package = tmp_path / "@scope" / "pkg@1.0.0"
    (package / "dist").mkdir(parents=True)
    (package / "dist" / "main.js").write_text("x", encoding="utf-8")
    assert server_guard.asset_file(tmp_path, "@scope/pkg@1.0.0/dist/main.js") is None
    (package / assets.COMPLETE_MARKER).write_text("done", encoding="utf-8")
    found = server_guard.asset_file(tmp_path, "@scope/pkg@1.0.0/dist/main.js")
    assert found == (package / "dist" / "main.js").resolve()
    for refused in ["@scope/pkg@1.0.0/dist", "@scope/pkg@1.0.0", "@scope", "@scope/pkg@1.0.0/"]:
        assert server_guard.asset_file(tmp_path, refused) is None
    assert server_guard.asset_file(tmp_path, "@scope/pkg@1.0.0/dist/../dist/main.js") is None


def test_solaras_own_asset_handler_is_made_read_only_and_offline(tmp_path, monkeypatch):
    """For a server started with plain `solara run`, where our middleware is not in front."""
    import anyio
    from solara.server import cdn_helper, settings
    from solara.server import starlette as solara_starlette

    for module, name in [(cdn_helper, "get_path"), (cdn_helper, "fetch_from_cdn")]:
        monkeypatch.setattr(module, name, getattr(module, name))  # undone after the test
    monkeypatch.setattr(solara_starlette, "get_path", solara_starlette.get_path)
    package = tmp_path / "demo@1.0.0"
    (package / "dist").mkdir(parents=True)
    (package / "dist" / "main.js").write_text("define([], {});", encoding="utf-8")
    (package / assets.COMPLETE_MARKER).write_text("done", encoding="utf-8")
    monkeypatch.setattr(settings.assets, "proxy_cache_dir", tmp_path)
    server_guard.patch_solara_cdn()
    handler = solara_starlette.StaticCdn(directory=tmp_path)
    assert handler.lookup_path("demo@1.0.0/dist") == ("", None)
    assert (package / "dist" / "main.js").is_file()
    assert handler.lookup_path("demo@1.0.0/dist/main.js")[0] == str(package / "dist/main.js")
    assert handler.lookup_path("demo@1.0.0/never-cached.js") == ("", None)
    with pytest.raises(PermissionError, match="offline"):
        cdn_helper.fetch_from_cdn("https://cdn.jsdelivr.net/npm/demo@1.0.0/x.js")
    scope = {"type": "http", "method": "GET", "path": "/demo@1.0.0/dist", "headers": []}
    with ThreadPoolExecutor(1) as thread, pytest.raises(Exception) as refused:  # own event loop
        thread.submit(anyio.run, handler.get_response, "demo@1.0.0/dist", scope).result()
    assert getattr(refused.value, "status_code", None) == 404
    assert (package / "dist").is_dir()
