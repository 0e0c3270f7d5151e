"""``make test``'s first step (``tests/ensure_system_tools.sh``) names the install command for
what is missing, Chromium or gettext, when it cannot install it itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("ensure_system_tools.sh")


def run_unprivileged(variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is part of every Debian system"
    # A folder the unprivileged user can read (pytest's own temporary folders are private).
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o755)
    script = folder / "ensure_system_tools.sh"
    script.write_bytes(SCRIPT.read_bytes())
    script.chmod(0o755)
    try:
        return subprocess.run(
            [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "sh", str(script)],
            env={"PATH": os.environ["PATH"], **variables},
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        shutil.rmtree(folder)


ONLY_AS_ROOT = pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root to run the script as another user"
)


@ONLY_AS_ROOT
@pytest.mark.parametrize(
    ("variables", "named", "not_named"),
    [
        ({"UPSTANDER_CHROMIUM": "/nonexistent/chromium"}, "chromium", "gettext"),
        ({"UPSTANDER_MSGFMT": "/nonexistent/msgfmt"}, "gettext", "chromium"),
    ],
    ids=["browser missing", "msgfmt missing"],
)
def test_the_test_command_names_the_install_command_for_what_it_cannot_install(
    variables: dict[str, str], named: str, not_named: str
) -> None:
    result = run_unprivileged(variables)

    assert result.returncode == 1
    assert f"apt-get install -y {named}" in result.stderr
    assert not_named not in result.stderr


@ONLY_AS_ROOT
def test_the_test_command_goes_on_when_everything_is_there() -> None:
    result = run_unprivileged({})

    assert (result.returncode, result.stderr) == (0, "")
