"""Fixtures and helpers for the page tests. Not a conftest.py on purpose: several test folders run in
one pytest session, and shared helpers live in uniquely named modules.

The stack under test (nginx serving www/ at /, the API at /api/, status files at /status/,
media at /media/) is named by SORA_E2E_BASE_URL; the simulator's control URL by SORA_SIM_URL
(optional); the browser is Debian's Chromium driven by Python Playwright."""
import json
import os
import pathlib
import struct
import urllib.request
import zlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "Tests" / "artifacts"
CHROMIUM = os.environ.get("SORA_CHROMIUM", "/usr/bin/chromium")
# Sign-in of the stack under test: the page signs in with the password, the test client with the token.
PASSWORD = os.environ.get("SORA_E2E_PASSWORD", "browser tests sign in with this")
TOKEN = os.environ.get("SORA_E2E_TOKEN", "browser-test-token-0123456789abcdef")


# Every test module that imports these fixtures registers its own copy; the session-wide things
# (the stack, the browser) are made once and shared through this cache, torn down by whoever made them.
_SHARED = {}


def _shared(request, key, make):
    """`make()` yields the thing and, when resumed, tears it down; run once per session."""
    if key not in _SHARED:
        gen = make()
        _SHARED[key] = next(gen)

        def finish():
            _SHARED.pop(key, None)
            next(gen, None)
        request.session.config.add_cleanup(finish)
    return _SHARED[key]


@pytest.fixture(scope="session")
def stack_under_test(request):
    """The stack named by SORA_E2E_BASE_URL (and SORA_SIM_URL), or — when unset, as under
    `make test` — a fresh one started here exactly like `make run` does (simulated upstream)."""
    def make():
        url = os.environ.get("SORA_E2E_BASE_URL", "").strip()
        if url:
            yield url.rstrip("/") + "/", (os.environ.get("SORA_SIM_URL", "").strip().rstrip("/") or None)
            return
        import sys
        sys.path.insert(0, str(ROOT / "Tests" / "EndToEnd"))
        import tempfile
        from stack import Stack, free_port
        # Its own prefix: other test sessions on the machine clean up `sora-e2e-*` directories.
        state = tempfile.mkdtemp(prefix="sora-browser-")
        os.chmod(state, 0o755)
        st = Stack(state, free_port(), extra_env={"SORA_SIM_ARGS": "--step-delay 0.2 --steps 4 --link-ttl 3600",
                                                                       "SORA_RETRY_BASE_DELAY": "1", "SORA_POLL_INTERVAL": "0.3",
                                                                       "SORA_POLL_SLOW_INTERVAL": "0.3",
                                                                       "SORA_ADMIN_PASSWORD": PASSWORD, "SORA_ADMIN_TOKEN": TOKEN})
        st.start()
        try:
            yield st.base + "/", st.sim
        finally:
            st.stop()
            # Stopped after the session's end, so removed here, as the end-to-end stacks are.
            if request.session.testsfailed == 0 and os.environ.get("SORA_KEEP_STACKS") != "1":
                import shutil
                shutil.rmtree(state, ignore_errors=True)
    return _shared(request, "stack", make)


@pytest.fixture(scope="session")
def base_url(stack_under_test):
    return stack_under_test[0]


@pytest.fixture(scope="session")
def sim_url(stack_under_test):
    """The simulator's base URL, or None when the stack talks to a real upstream."""
    return stack_under_test[1]


@pytest.fixture(scope="session")
def api(base_url):
    """Tiny JSON client for the stack's API (standard library only), signed in with the admin token."""
    class Api:
        def get(self, path):
            req = urllib.request.Request(base_url + path.lstrip("/"), headers={"Authorization": f"Bearer {TOKEN}"})
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    return r.status, json.loads(r.read() or b"null")
            except urllib.error.HTTPError as e:
                body = e.read()
                try:
                    return e.code, json.loads(body)
                except ValueError:
                    return e.code, None

        def post(self, path, body, headers=None):
            req = urllib.request.Request(base_url + path.lstrip("/"), data=json.dumps(body).encode(), method="POST",
                                         headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", **(headers or {})})
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    return r.status, json.loads(r.read() or b"null")
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read() or b"null")

        def models(self):
            return {m["id"]: m for m in self.get("api/models")[1]["models"]}
    return Api()


@pytest.fixture(scope="session")
def browser(request):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Python Playwright is not installed (pip install playwright)")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")

    def make():
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
            yield b
            b.close()
    return _shared(request, "browser", make)


@pytest.fixture
def page_factory(browser, base_url):
    """Opens the page in a fresh context (own localStorage); fails the test on page errors."""
    contexts = []
    errors = []

    def open_page(width=1280, height=800, path="", setup=None, locale="zh-CN", ready="#model:enabled", context=None, sign_in=True):
        ctx = context or browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        if context is None:
            contexts.append(ctx)
            if sign_in:   # the session cookie, as the sign-in form would get it
                answer = ctx.request.post(base_url + "api/login", data={"password": PASSWORD})
                assert answer.ok, answer.text()
        if setup and context is None:
            setup(ctx)   # e.g. routes that alter an API answer before the page loads
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.text else None)
        page.goto(base_url + path)
        if ready:
            page.wait_for_selector(ready)
        return page

    yield open_page
    for c in contexts:
        c.close()
    # "Failed to load resource" is Chromium logging an HTTP error answer (tests provoke 404/409/413/503
    # on purpose); uncaught exceptions and the page's own console errors are bugs.
    real = [e for e in errors if not e.startswith("Failed to load resource")]
    assert not real, f"errors in the page: {real}"


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def png_bytes(width=64, height=64):
    """A real PNG made here (no image library): a colour gradient."""
    rows = b"".join(b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 160)) for x in range(width))
                    for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
