"""The dependency map is declared once, as import-linter contracts in pyproject.toml: `make lint`
enforces them, and the map in ARCHITECTURE.md is drawn from them (`make architecture-map`)."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
ARCHITECTURE = ROOT / "ARCHITECTURE.md"
MAP_START = "<!-- dependency-map: start (drawn from pyproject.toml by `make architecture-map`) -->"
MAP_END = "<!-- dependency-map: end -->"
LAYER_LEGEND = "`a | b`: neither imports the other; `(a)`: may not exist yet"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def contracts() -> list[dict]:
    """The import-linter contracts as declared in pyproject.toml."""
    return tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]


def _short(module: str) -> str:
    return module.replace("greenroom.", "")


def _layer_line(layer: str) -> str:
    return " | ".join(_short(name.strip()) for name in layer.split("|"))


def _rule_lines(contract: dict) -> list[str]:
    if contract["type"] == "forbidden":
        sources = ", ".join(_short(m) for m in contract["source_modules"])
        forbidden = ", ".join(_short(m) for m in contract["forbidden_modules"])
        lines = [f"- {contract['name']}", f"    {sources} -/-> {forbidden}"]
    elif contract["type"] == "protected":
        protected = ", ".join(_short(m) for m in contract["protected_modules"])
        allowed = ", ".join(_short(m) for m in contract["allowed_importers"] if "tests" not in m)
        lines = [f"- {contract['name']}", f"    only {allowed} -> {protected}"]
    else:
        raise ValueError(f"No drawing for {contract['type']} contracts: add one here.")
    exceptions = [
        imported for imported in contract.get("ignore_imports", []) if "tests" not in imported
    ]
    lines += [f"    except {_short(expression)}" for expression in exceptions]
    return lines


def map_block() -> str:
    """The map as ARCHITECTURE.md shows it, drawn from the contracts."""
    lines = [MAP_START, "```"]
    for contract in contracts():
        if contract["type"] == "layers":
            lines += [f"{contract['name']} (highest first; {LAYER_LEGEND}):"]
            lines += [f"  {_layer_line(layer)}" for layer in contract["layers"]]
            lines += [""]
    lines += [line for c in contracts() if c["type"] != "layers" for line in _rule_lines(c)]
    lines += ["```", MAP_END]
    return "\n".join(lines)


def rewrite_map() -> None:
    """Replace the map in ARCHITECTURE.md with the one the contracts draw."""
    text = ARCHITECTURE.read_text()
    before, _, rest = text.partition(MAP_START)
    _, _, after = rest.partition(MAP_END)
    ARCHITECTURE.write_text(before + map_block() + after)


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    # lint-imports puts its working directory first on sys.path, so it analyses `tree`'s copy
    # of the package rather than the installed one.
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy_of_the_code(tmp_path: Path) -> Path:
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    shutil.copytree(
        ROOT / "greenroom",
        tmp_path / "greenroom",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "*.json"),
    )
    return tmp_path


def test_it_draws_the_map_in_architecture_md_from_the_contracts():
    text = ARCHITECTURE.read_text()
    assert MAP_START in text and MAP_END in text, "ARCHITECTURE.md lost its map markers."
    drawn = MAP_START + text.partition(MAP_START)[2].partition(MAP_END)[0] + MAP_END
    assert drawn == map_block(), (
        "The map in ARCHITECTURE.md disagrees with [tool.importlinter] in pyproject.toml: "
        "run `make architecture-map` and commit ARCHITECTURE.md."
    )


def test_it_keeps_every_contract_on_the_code_as_it_is(tmp_path):
    result = _lint_imports(_copy_of_the_code(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_fails_the_lint_when_metrics_imports_sources(tmp_path):
    tree = _copy_of_the_code(tmp_path)
    selectors = tree / "greenroom" / "metrics" / "selectors.py"
    selectors.write_text(selectors.read_text() + "\nfrom greenroom.sources import models\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "Metrics never imports sources" in result.stdout
    assert "greenroom.metrics.selectors -> greenroom.sources.models" in result.stdout


def test_it_fails_the_lint_when_an_app_reaches_into_the_metrics_internals(tmp_path):
    tree = _copy_of_the_code(tmp_path)
    selectors = tree / "greenroom" / "customers" / "selectors.py"
    selectors.write_text(selectors.read_text() + "\nfrom greenroom.metrics import refresh\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "Other apps reach metrics only through" in result.stdout


if __name__ == "__main__":
    rewrite_map()
