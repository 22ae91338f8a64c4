"""Every package the code imports is one its own pyproject declares, or for a service one that
loket-contracts declares (the shared runtime: FastAPI, FastStream, SQLAlchemy, pydantic …, which every
service gets through it on purpose). An import that works only because some dependency happens to bring
the package along breaks when that dependency changes its own."""

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [ROOT / "contracts", *sorted(path for path in (ROOT / "services").iterdir() if path.is_dir())]


def imported(source: Path) -> set[str]:
    names: set[str] = set()
    for path in source.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"loket", "__future__"}


def declared(package: Path) -> set[str]:
    project = tomllib.loads((package / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(Requirement(line).name) for line in project.get("dependencies", [])}


@pytest.mark.parametrize("package", PACKAGES, ids=lambda path: path.name)
def test_every_imported_package_is_declared(package: Path) -> None:
    distributions = packages_distributions()
    own = declared(package) | declared(ROOT / "contracts")
    undeclared = {}
    for module in sorted(imported(package / "src")):
        providers = {canonicalize_name(name) for name in distributions.get(module, [module])}
        if not providers & own:
            undeclared[module] = sorted(providers)
    assert not undeclared, f"{package.name}/pyproject.toml does not declare what it imports: {undeclared}"
