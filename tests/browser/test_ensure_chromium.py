"""``make test``'s browser step (``tests/browser/ensure_chromium.sh``) names the install
command when it cannot install Chromium itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("ensure_chromium.sh")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the script as another user")
def test_the_test_command_names_the_install_command_when_it_cannot_install_the_browser() -> None:
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is part of every Debian system"
    # A folder the unprivileged user can read (pytest's own temporary folders are private).
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o755)
    script = folder / "ensure_chromium.sh"
    script.write_bytes(SCRIPT.read_bytes())
    script.chmod(0o755)

    try:
        result = subprocess.run(
            [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "sh", str(script)],
            env={"PATH": os.environ["PATH"], "UPSTANDER_CHROMIUM": "/nonexistent/chromium"},
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        shutil.rmtree(folder)

    assert result.returncode == 1
    assert "apt-get install -y chromium" in result.stderr
