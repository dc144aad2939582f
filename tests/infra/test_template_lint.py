"""cfn-lint, run through its Python API, finds nothing in the template."""

from __future__ import annotations

from cfnlint.api import lint

from deploy.template import TEMPLATE_PATH


def test_template_passes_cfn_lint_with_no_findings() -> None:
    """Errors, warnings and informational findings all count: the template stays clean."""
    matches = lint(TEMPLATE_PATH.read_text(encoding="utf-8"), regions=["us-east-1", "eu-west-1"])
    assert [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches] == []
