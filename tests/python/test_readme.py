"""The README's Python section works as written: its ``python`` blocks run in order in one
namespace, each prints exactly the ``text`` block that follows it, and the values a reader
would check are right."""

import contextlib
import io
import re
from decimal import Decimal

import matplotlib
import pytest

matplotlib.use("Agg")


def python_section(root) -> str:
    text = (root / "README.md").read_text(encoding="utf-8")
    m = re.search(r"^## Python\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert m, "README.md has a '## Python' section"
    return m.group(1)


def blocks(section: str) -> "list[tuple[str, str]]":
    """``(language, body)`` of every fenced block, in order."""
    return [(lang, body) for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", section, flags=re.S | re.M)]


def test_readme_python_section_runs_as_written(root, monkeypatch):
    monkeypatch.chdir(root)
    found = blocks(python_section(root))
    assert found[0][0] == "sh" and "pip install" in found[0][1], "the install command comes first"
    ns: dict = {}
    ran = 0
    for i, (lang, body) in enumerate(found):
        if lang != "python":
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(body, f"README.md python block {ran + 1}", "exec"), ns)
        ran += 1
        if i + 1 < len(found) and found[i + 1][0] == "text":
            assert out.getvalue() == found[i + 1][1], f"python block {ran} prints what the README shows"
    assert ran >= 2

    import matplotlib.pyplot as plt

    try:
        # What a reader checks: acme's two deals average $300, exact; bolt's close rate is 1/2.
        card = ns["card"]
        rows = card.set_index("partner")
        assert rows.loc["acme", "avg_deal_size"] == Decimal("300")
        assert isinstance(rows.loc["bolt", "won_revenue"], Decimal) and rows.loc["bolt", "won_revenue"] == Decimal("1000.50")
        assert rows.loc["bolt", "close_rate"] == pytest.approx(0.5)
        assert [a.get_title() for a in ns["fig"].axes] == ["won_revenue (USD)", "avg_deal_size (USD)", "close_rate"]
    finally:
        plt.close("all")
