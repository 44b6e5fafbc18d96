"""Runs the `sora` command line against a test stack: locally on the stack's spool (its config
file), or remotely through its nginx with the admin token (`remote=True`)."""
import json
import os
import subprocess

from stack import BIN, FAST_ENV, wait_for  # noqa: F401 (the CLI tests import it from here)


def cli_env(stack=None, config=None, remote=False, **extra):
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "xterm"}
    if remote:
        env["SORA_ADMIN_TOKEN"] = FAST_ENV["SORA_ADMIN_TOKEN"]
    else:
        env["SORA_CONFIG"] = str(config or stack.dir / "sora.env")
    env.update(extra)
    return env


def sora(stack, *args, config=None, remote=False, env=None, timeout=120, user=None, url=None):
    """`sora ARGS…`; stdout is a pipe, so the command speaks JSON. `user` runs it as that user.
    `remote`: through the stack's nginx, or through `url` (a proxy in front of it)."""
    e = cli_env(stack, config, remote)
    e.update(env or {})
    argv = [str(BIN), *args]
    if remote:
        argv += ["--url", url or stack.base]
    if user:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user if user != 'nobody' else 'nogroup'}", "--clear-groups", *argv]
    return subprocess.run(argv, env=e, capture_output=True, text=True, timeout=timeout)


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def config_copy(stack, directory, drop=(), **settings):
    """The stack's config with some settings changed or dropped: a deployment broken in one way."""
    keep = []
    for line in (stack.dir / "sora.env").read_text().splitlines():
        name = line.split("=", 1)[0]
        if name not in drop and name not in settings:
            keep.append(line)
    keep += [f"{k}={v}" for k, v in settings.items()]
    path = os.path.join(str(directory), "sora.env")
    with open(path, "w") as f:
        f.write("\n".join(keep) + "\n")
    os.chmod(path, 0o600)
    return path


def creates(stack, dialect):
    return stack.sim_stats()["dialects"][dialect]["creates"]
