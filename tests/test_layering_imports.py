"""Issue 11 items 5 and 10: import layering. `api` and `pipelines` do not import each other at module level, no
module of `inference/` imports `tasks/`, the predict-mode runner lives under tasks/base/, and the test helpers
have one import path (`from conftest import ...`: pytest loads tests/conftest.py as `conftest`, so
`tests.conftest` would be a second copy of it)."""
import ast
import subprocess
import sys

from conftest import REPO

PKG = REPO / "paddlex_train"


def _imports(path, module_level_only):
    """Absolute module names imported by `path` (relative imports resolved), optionally only top-level ones."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    names = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names += [module] + [f"{module}.{a.name}" for a in node.names]
    return names


def _modules(folder):
    return sorted(p for p in (PKG / folder).rglob("*.py"))


def test_api_and_pipelines_do_not_import_each_other_at_module_level():
    for name in _imports(PKG / "api.py", module_level_only=True):
        assert not name.startswith("paddlex_train.pipelines"), name
    for path in _modules("pipelines"):
        for name in _imports(path, module_level_only=True):
            assert not name.startswith("paddlex_train.api"), (path.name, name)


def test_pipelines_build_models_through_inference_not_api():
    for path in _modules("pipelines"):
        assert not any(n.startswith("paddlex_train.api") for n in _imports(path, module_level_only=False)), path


def test_no_inference_module_imports_tasks():
    for path in _modules("inference"):
        for name in _imports(path, module_level_only=False):
            assert not name.startswith("paddlex_train.tasks"), (path.name, name)


def test_importing_one_side_does_not_load_the_other_or_paddle():
    code = ("import sys\n"
            "import paddlex_train.pipelines\n"
            "assert 'paddlex_train.api' not in sys.modules, 'pipelines loaded api'\n"
            "import paddlex_train.api\n"
            "import paddlex_train.inference\n"
            "assert 'paddle' not in sys.modules, 'paddle loaded'\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_predict_mode_runner_is_under_tasks_base():
    from paddlex_train.tasks import TASKS
    from paddlex_train.tasks.base.predict_runner import PredictModeRunner

    assert not (PKG / "inference" / "mode_runner.py").exists()
    for name in TASKS.names():
        assert issubclass(TASKS.get(name).runner_class("predict"), PredictModeRunner)


def test_test_helpers_have_one_import_path():
    offenders = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        if path.name == "test_layering_imports.py":
            continue
        text = path.read_text(encoding="utf-8")
        for name in _imports(path, module_level_only=False):
            if name == "tests" or name.startswith("tests."):
                offenders.append(f"{path.name}: {name}")
        if "from tests." in text:  # e.g. code run in a subprocess
            offenders.append(f"{path.name}: 'from tests.' in code text")
    assert not offenders, "import helpers as `from conftest import ...` (not tests.conftest): " + str(offenders)
