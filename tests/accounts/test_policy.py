"""Who may do what is said in one place: ``accounts/policy.py`` (issue 8).

Selectors, services, views and API views ask the policy's named predicates; none of them
compares a role itself, so a rule cannot drift between the page and the API.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "audit", "cases", "core", "notifications", "portal", "referrals", "reports")
# The enum itself, its database constraints, and the policy.
ALLOWED = {"accounts/models.py", "accounts/policy.py"}


def _role_comparisons(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        if any(ast.unparse(operand) == "Role.values" for operand in operands):
            continue  # checking that a value is a role at all, not who may do what
        for operand in operands:
            text = ast.unparse(operand)
            if text.startswith("Role.") or text.endswith(".role") or text == "role":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
                break
    return found


def test_no_role_is_compared_outside_the_policy() -> None:
    comparisons = [
        line
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and str(path.relative_to(ROOT)) not in ALLOWED
        for line in _role_comparisons(path)
    ]
    assert comparisons == []


def test_the_policy_does_compare_roles() -> None:
    """The scan above finds role comparisons where they are (it is not blind)."""
    assert _role_comparisons(ROOT / "accounts" / "policy.py")
