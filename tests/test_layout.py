"""The layout holds: features do not import each other's pages, graphs/ stays pure, and the
README's architecture section names every feature package that exists."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLAB = ROOT / "collab"
#: modules that hold a blueprint (a feature's pages)
PAGE_MODULES = {"pages", "region_pages", "view"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _features() -> list[Path]:
    return sorted(p for p in COLLAB.iterdir() if (p / "__init__.py").exists())


def test_no_feature_imports_the_pages_of_another():
    wrong = []
    for feature in _features():
        for path in feature.rglob("*.py"):
            for name in _imports(path):
                parts = name.split(".")
                if (len(parts) >= 3 and parts[0] == "collab" and parts[1] != feature.name
                        and parts[2] in PAGE_MODULES):
                    wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, wrong


def test_graphs_imports_neither_flask_nor_sqlalchemy_nor_collab():
    for path in (ROOT / "graphs").rglob("*.py"):
        for name in _imports(path):
            assert name.split(".")[0] not in {"flask", "flask_sqlalchemy", "sqlalchemy",
                                              "collab"}, (path, name)


def test_readme_architecture_names_every_feature_package():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    for feature in _features():
        assert f"  {feature.name}/" in section, feature.name
    for line in section.splitlines():  # and names no package that is gone
        word = line.strip().split(" ")[0]
        if line.startswith("  ") and word.endswith("/") and not line.startswith("    "):
            assert (COLLAB / word.rstrip("/")).is_dir(), word


def test_create_app_only_wires():
    """The factory is configuration, extensions, blueprints and CLI: no routes, filters or
    request hooks of its own."""
    source = (COLLAB / "__init__.py").read_text()
    for marker in ("@app.route", "@app.template_filter", "@app.after_request",
                   "@app.before_request", "@app.context_processor"):
        assert marker not in source, marker


def _utc_now(node: ast.AST) -> bool:
    """``utcnow()``, ``datetime.utcnow()``, ``datetime.now()`` or ``datetime.now(UTC)``."""
    if not isinstance(node, ast.Call):
        return False
    name = getattr(node.func, "attr", getattr(node.func, "id", ""))
    if name == "utcnow":
        return True
    return name == "now" and (not node.args or ast.unparse(node.args[0]).split(".")[-1]
                              in {"UTC", "utc"})


def test_no_date_of_the_machine_or_of_utc_stands_for_today():
    """The platform's days are local (Europe/Berlin): ``collab.core.localtime.local_today``,
    in tests the ``today`` fixture. ``date.today()`` and the date of a UTC moment are still
    on the day before from 23:00 UTC (22:00 in summer), so a test using one as "today"
    failed in CI runs of that hour. (graphs/ takes ``today`` as an argument.)"""
    wrong = []
    for path in [*COLLAB.rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            receiver = node.func.value
            if ((node.func.attr == "today" and ast.unparse(receiver).split(".")[-1]
                 in {"date", "datetime"})
                    or (node.func.attr == "date" and not node.args and _utc_now(receiver))):
                wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert not wrong, wrong
