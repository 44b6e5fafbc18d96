"""Runs last (file name): after everything above, the API key appears nowhere under the spool,
the media folder, the logs or any HTTP answer."""
import pathlib

import requests


def test_api_key_never_leaks(stack):
    key = next(l.split("=", 1)[1] for l in (stack.dir / "sora.env").read_text().splitlines()
               if l.startswith("SORA_API_KEY="))
    assert len(key) > 8
    needle = key.encode()
    leaked = []
    for p in stack.dir.rglob("*"):
        if p.is_file() and p.name != "sora.env" and needle in p.read_bytes():
            leaked.append(str(p))
    assert leaked == []
    for path in ("/api/health", "/api/models", "/api/jobs?limit=200", "/"):
        assert key not in requests.get(stack.base + path, timeout=5).text
