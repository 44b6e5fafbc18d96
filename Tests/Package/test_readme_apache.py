"""The README shows both Apache files inline; a deployment copies from there as often as from the
tarball, so their directives must be the shipped ones (comments may differ)."""
import re

from stack import ROOT


def directives(text):
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_the_readme_shows_the_apache_files_as_shipped():
    blocks = [directives(b) for b in re.findall(r"```apache\n(.*?)```", (ROOT / "README.md").read_text(), re.S)]
    for name in ("apache-server.conf", "htaccess"):
        assert directives((ROOT / "packaging/tarball" / name).read_text()) in blocks, f"README's copy of {name} differs"
