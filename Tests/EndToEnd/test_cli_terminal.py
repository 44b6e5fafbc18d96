"""The command line on a terminal: a pseudo-terminal (Python's pty) stands in for the user's, so
the progress line, the tables and Ctrl+C are seen as a person sees them."""
import fcntl
import json
import os
import pty
import re
import select
import struct
import termios
import time

from cli import cli_env, creates, sora, wait_for
from stack import BIN

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Terminal:
    """`sora ARGS…` in a session of its own whose controlling terminal is a pty of 100 columns."""

    def __init__(self, stack, *args, remote=False, columns=100):
        env = cli_env(stack, remote=remote)
        argv = [str(BIN), *args] + (["--url", stack.base] if remote else [])
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
            os.execve(argv[0], argv, env)
        self.output = b""
        self.status = None

    def read(self, timeout=0.2):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            try:
                self.output += os.read(self.fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                pass

    @property
    def text(self):
        return self.output.decode("utf-8", "replace")

    def expect(self, pattern, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if re.search(pattern, self.text):
                return
            self.read()
        raise AssertionError(f"{pattern!r} not seen on the terminal:\n{self.text[-2000:]}")

    def type(self, data):
        os.write(self.fd, data)

    def wait(self, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.read(0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                for _ in range(20):  # what is left in the pty's buffer
                    self.read(0.05)
                self.status = os.waitstatus_to_exitcode(status)
                os.close(self.fd)
                return self.status
        raise AssertionError("the command did not end:\n" + self.text[-2000:])

    def frames(self):
        """Every state of the live line, colours removed."""
        return [ANSI.sub("", f) for f in self.text.replace("\r\n", "\n").split("\r") if f.strip()]


def test_progress_line_on_a_terminal(sim):
    term = Terminal(sim, "generate", "--model", "sora-v2-portrait", "--prompt",
                    "a paper boat on a river [sim:steps=8] [sim:delay=0.3]", "--wait")
    assert term.wait() == 0, term.text
    text = ANSI.sub("", term.text)
    assert text.startswith("Accepted: "), text[:200]
    lines = [f for f in term.frames() if "%" in f and ("█" in f or "░" in f)]
    assert lines, text
    # stage in the user's words, a bar, percent, elapsed m:ss and the estimate from typical_seconds
    generating = [f for f in lines if "Generating" in f]
    assert generating, lines
    assert re.search(r"[█░]{24}\s+\d+%\s+\d+:\d\d\s+~\d+:\d\d left", generating[0]), generating[0]
    percents = [int(m.group(1)) for f in lines for m in [re.search(r"(\d+)%", f)] if m]
    assert percents == sorted(percents) and percents[-1] == 100 and len(set(percents)) >= 3, percents
    assert all(len(f.split("\n")[0]) <= 100 for f in lines), "the live line fits the terminal"
    assert "✓ Succeeded" in text and "video: /media/" in text
    assert "{" not in text, "no JSON on a terminal"


def test_ctrl_c_detaches_and_the_job_goes_on(sim):
    term = Terminal(sim, "generate", "--model", "seedance-2-0-fast", "--prompt",
                    "a long pan over hills [sim:steps=12] [sim:delay=0.3]", "--wait")
    term.expect("Generating|Queued at the gateway")
    term.type(b"\x03")  # Ctrl+C: the terminal sends SIGINT to the command's process group
    assert term.wait() == 130, term.text
    text = ANSI.sub("", term.text)
    assert "Detached" in text and "never cancels" in text
    job = re.search(r"Accepted: (\w{26})", text).group(1)
    assert sim.wait(job, timeout=60)["status"] == "succeeded"
    assert sim.sim_stats()["dialects"]["ark"]["cancels"] == 0 and creates(sim, "ark") == 1


def test_jobs_table_and_show_on_a_terminal(sim):
    job = json.loads(sora(sim, "generate", "--model", "seedance-2-0-fast", "--prompt", "a table for people [sim:steps=1]").stdout)["task_id"]
    sim.wait(job)
    term = Terminal(sim, "jobs", "--q", "a table for people", columns=120)
    assert term.wait() == 0
    rows = ANSI.sub("", term.text).splitlines()
    assert rows[0].split()[:4] == ["ID", "STATUS", "PROG", "MODEL"]
    assert rows[1].startswith(job) and "succeeded" in rows[1] and "a table for people" in rows[1]
    assert max(len(r) for r in rows) <= 120
    term = Terminal(sim, "show", job)
    assert term.wait() == 0
    text = ANSI.sub("", term.text)
    assert f"job     {job}" in text and "sora download" in text


def test_batch_on_a_terminal_shows_one_display(sim, tmp_path):
    batch = tmp_path / "few.jsonl"
    batch.write_text("".join(json.dumps({"model": "seedance-2-0-fast", "prompt": f"few {i} [sim:steps=2]"}) + "\n" for i in range(3)))
    term = Terminal(sim, "batch", str(batch), "--concurrency", "2")
    assert term.wait() == 0, term.text
    text = ANSI.sub("", term.text)
    assert re.search(r"batch\s+[█░]{20}\s+\d+/3 done", text)
    assert text.count("✓ line") == 3 and "3 of 3 succeeded" in text
