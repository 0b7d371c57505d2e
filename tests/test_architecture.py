"""Import boundaries: only paddle_env imports paddle first-hand; only backends/<suite>/ imports a suite."""
import ast

from conftest import REPO

PKG = REPO / "paddlex_train"
SUITES = {"paddleseg": "paddleseg", "ppdet": "paddledet"}


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0], node.lineno


def test_suites_imported_only_in_their_backend():
    offenders = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG).as_posix()
        for top, line in _imports(path):
            if top in SUITES and not rel.startswith(f"backends/{SUITES[top]}/"):
                offenders.append(f"{rel}:{line} imports {top}")
    assert offenders == []


def test_paddle_imported_only_via_paddle_env_or_backends():
    offenders = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG).as_posix()
        if rel == "paddle_env.py" or rel.startswith("backends/"):
            continue
        offenders += [f"{rel}:{line}" for top, line in _imports(path) if top == "paddle"]
    assert offenders == [], "call paddlex_train.paddle_env.import_paddle() instead"


def test_backend_packages_load_paddle_env_first():
    """Each backends/<suite>/__init__.py must call import_paddle() before anything imports paddle or a suite."""
    for init in (PKG / "backends").glob("*/__init__.py"):
        text = init.read_text(encoding="utf-8")
        first = [top for top, _ in _imports(init)]
        assert "import_paddle()" in text, f"{init} must call import_paddle() first"
        assert not set(first) & {"paddle", "paddleseg", "ppdet"} or text.index("import_paddle()") < min(
            text.find(f"import {m}") for m in ("paddle", "paddleseg", "ppdet") if f"import {m}" in text)
