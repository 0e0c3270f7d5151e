"""The static security scan of the test command (issue 10): bandit, configured in
``pyproject.toml`` (``[tool.bandit]``), runs before the tests, passes on the code as it is
(each remaining finding justified on its line) and fails on a new finding."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
BANDIT = [str(Path(sys.executable).parent / "bandit"), "-c", "pyproject.toml", "-q", "-r", "."]


def _test_recipe() -> list[str]:
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = lines.index("test: $(STAMP)")
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            if line.startswith("#"):
                continue
            break
        recipe.append(line.strip())
    return recipe


def _scan(*extra: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BANDIT, *map(str, extra)], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_the_test_command_runs_bandit_with_the_project_configuration_before_pytest() -> None:
    recipe = _test_recipe()
    bandit = [i for i, line in enumerate(recipe) if "bin/bandit -c pyproject.toml -r ." in line]
    pytest = [i for i, line in enumerate(recipe) if line.endswith("bin/pytest")]
    assert bandit, recipe
    assert pytest, recipe
    assert bandit[0] < pytest[0]


def test_bandit_passes_on_the_code_and_fails_on_a_new_finding(tmp_path: Path) -> None:
    # Given the project's own code: every finding left is justified, so the scan passes
    clean = _scan()
    assert clean.returncode == 0, clean.stdout
    # When a module with a shell command built from input joins it
    new_module = tmp_path / "new_module.py"
    new_module.write_text(
        "import subprocess\n\n\n"
        "def run(command: str) -> None:\n"
        "    subprocess.run(command, shell=True, check=True)\n"
    )
    found = _scan(new_module)
    # Then the scan fails and names the finding
    assert found.returncode == 1
    assert "B602" in found.stdout
