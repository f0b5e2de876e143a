"""The distribution: one import name (`codedash`), every file the code needs at run time inside the wheel,
and the wheel working when installed outside the checkout (issue 10, "A package that installs anywhere").

The fast tests read pyproject.toml against the tree, so a new package or catalog file that pyproject does
not list fails here at once. The slow test builds the wheel from the tracked files (as a clean clone
has them), installs it into a fresh virtual environment outside the checkout and runs the commands a
new user would: `codedash demo --size small`, `codedash load data/examples`, `codedash kpis`, and one
served page request.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOTS = ("dashboard", "queries", "data")          # the repository's folders, installed as codedash.<name>
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _tracked_files() -> list[Path]:
    """Files of the checkout as a clean clone has them (git ls-files), else every file but caches."""
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True).stdout
        files = [ROOT / p for p in out.decode().split("\0") if p]
        return [f for f in files if f.is_file()]            # a deletion not yet committed
    except (OSError, subprocess.CalledProcessError):
        return [p for p in ROOT.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)]


def _package_files() -> list[Path]:
    """Files under dashboard/, queries/, data/ that belong in the wheel (all but compiled caches)."""
    return sorted(f for f in _tracked_files() if f.relative_to(ROOT).parts[0] in ROOTS and f.suffix != ".pyc")


def _installed_name(f: Path) -> str:
    return "codedash/" + f.relative_to(ROOT).as_posix()


def test_packages_are_every_folder_of_code_under_codedash():
    packages = sorted(f.parent for f in _package_files() if f.name == "__init__.py")
    expected = sorted("codedash." + ".".join(p.relative_to(ROOT).parts) for p in packages)
    assert sorted(SETUPTOOLS["packages"]) == expected, (
        "pyproject.toml [tool.setuptools] packages must list every folder with an __init__.py, as codedash.<path>")
    assert SETUPTOOLS["package-dir"] == {f"codedash.{r}": r for r in ROOTS}
    assert not (ROOT / "codedash").exists() and not (ROOT / "__init__.py").exists()   # codedash: a namespace
    assert PYPROJECT["project"]["scripts"] == {"codedash": "codedash.dashboard.cli:main"}


def _names_a_module(text: str) -> bool:
    """"queries.runner", "dashboard.app:create_app", "data.loading.loader.X": a dotted name whose first two
    parts are a module or package of the tree ("data.csv" or "queries.sql" are not)."""
    parts = text.split(":")[0].split(".")
    if len(parts) < 2 or parts[0] not in ROOTS or not all(p.isidentifier() for p in parts):
        return False
    base = ROOT / parts[0] / parts[1]
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def test_code_imports_the_package_only_as_codedash():
    """No import, `python -m` line or dotted module string names the folders as top-level packages:
    in a checkout they would still import (pytest puts the repository root on sys.path) and the installed
    wheel would fail (see docs/decisions.md, "One import name")."""
    old = []
    for f in _tracked_files():
        if f.suffix != ".py":
            continue
        rel = f.relative_to(ROOT)
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"), str(rel))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.strip()
                if _names_a_module(text):
                    names = [text]                                  # "dashboard.pages.overview" in a registry
                names += [w for w in text.split("-m ")[1:2] if _names_a_module(w.split()[0] if w.split() else w)]
            old += [f"{rel}:{node.lineno}: {n}" for n in names if n and n.split(".")[0].split()[0] in ROOTS]
    assert not old, old


def test_every_package_data_glob_matches_and_every_data_file_is_matched():
    """Each glob of [tool.setuptools.package-data] matches a file of the tree, and every file of the tree
    that is not Python is matched by a glob of the package it sits in, so no catalog file is left out."""
    package_dir = {p: ROOT / Path(*p.split(".")[1:]) for p in SETUPTOOLS["packages"]}
    covered: set[Path] = set()
    for package, globs in SETUPTOOLS["package-data"].items():
        assert package in package_dir, f"package-data names {package}, which is not a listed package"
        for pattern in globs:
            hits = {p for p in package_dir[package].glob(pattern) if p.is_file()}
            assert hits, f"package-data glob {package}: {pattern!r} matches no file"
            covered |= hits
    data_files = [f for f in _package_files() if f.suffix != ".py"]
    missing = [str(f.relative_to(ROOT)) for f in data_files if f not in covered]
    assert not missing, ("files the wheel would leave out; add a glob to [tool.setuptools.package-data] "
                         f"of the package they sit in: {missing}")
    assert ROOT / "data" / "loading" / "checks.csv" in covered        # the file the 0.1.0 wheel lacked


def _build_wheel(out: Path) -> Path:
    """The wheel built from a copy of the tracked files (no build/ or egg-info left in the checkout)."""
    src = out / "src"
    for f in _tracked_files():
        target = src / f.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, target)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(out / "dist"), str(src)],
                   check=True, capture_output=True, text=True, cwd=out)
    (wheel,) = (out / "dist").glob("codedash-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return _build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.mark.slow
def test_wheel_holds_only_codedash_and_every_file_of_the_tree(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"codedash", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    assert "codedash/__init__.py" not in names                        # a namespace package: only codedash.*
    installed = {n for n in names if n.startswith("codedash/")}
    expected = {_installed_name(f) for f in _package_files()}
    assert installed == expected, (sorted(expected - installed)[:20], sorted(installed - expected)[:20])
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "codedash = codedash.dashboard.cli:main" in entry_points


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """A fresh virtual environment outside the checkout with only the wheel installed in it; the
    dependencies come from the test run's own environment through a .pth file (no network)."""
    base = tmp_path_factory.mktemp("venv")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "_codedash_test_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--disable-pip-version-check", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, text=True)
    work = base / "work"                                  # a working directory that is not the checkout
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CODEDASH_DB", "PYTHONSAFEPATH")}
    env.update(HOME=str(base / "home"), XDG_DATA_HOME=str(base / "xdg"), PYTHONNOUSERSITE="1")
    return {"venv": venv, "bin": venv / "bin", "work": work, "env": env, "purelib": Path(purelib),
            "default_db": base / "xdg" / "codedash" / "codedash.duckdb"}


def _run(inst, *args, timeout=600) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(inst["bin"] / "codedash"), *args], cwd=inst["work"], env=inst["env"],
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"codedash {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.slow
def test_installed_wheel_runs_outside_the_checkout(installed):
    inst = installed
    where = subprocess.run([str(inst["bin"] / "python"), "-c",
                            "import codedash.data, codedash.queries, codedash.dashboard, importlib.util as u;"
                            "print(codedash.data.__file__); print(u.find_spec('data'), u.find_spec('queries'))"],
                           cwd=inst["work"], env=inst["env"], capture_output=True, text=True, check=True).stdout
    assert where.splitlines()[0].startswith(str(inst["purelib"] / "codedash" / "data"))   # the wheel, not the checkout
    assert where.splitlines()[1] == "None None"                   # no top-level `data` or `queries` installed

    # the per-user default database: the help says which, and demo/kpis use it
    help_text = " ".join(_run(inst, "--help").stdout.split())
    assert f"Here that is {inst['default_db']} (from the per-user data directory)" in help_text
    demo = _run(inst, "demo", "--size", "small")
    assert inst["default_db"].is_file() and f"-> {inst['default_db']}" in demo.stdout
    stages = [line.split(":")[0] for line in demo.stderr.splitlines() if ": " in line and "/" in line]
    assert list(dict.fromkeys(stages)) == ["reference tables", "entities", "generate", "data-quality checks", "marts"]
    kpis = _run(inst, "kpis", "--json")
    assert json.loads(kpis.stdout)["kpis"][0]["value"] > 0

    # the example files of the checkout load with the installed catalog of checks (checks.csv)
    loaded = inst["work"] / "examples.duckdb"
    load = _run(inst, "load", str(ROOT / "data" / "examples"), "--db", str(loaded))
    assert f"done: {loaded}" in load.stdout
    example_kpis = json.loads(_run(inst, "kpis", "--json", "--db", str(loaded)).stdout)
    assert {k["label"] for k in example_kpis["kpis"]} == {k["label"] for k in json.loads(kpis.stdout)["kpis"]}

    # a served page request on the default database: the page, its layout and a packaged asset
    port = _free_port()
    proc = subprocess.Popen([str(inst["bin"] / "codedash"), "serve", "--port", str(port)], cwd=inst["work"],
                            env=inst["env"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"codedash serve exited: {proc.stdout.read()}")
            try:
                page = urllib.request.urlopen(url + "/", timeout=5)
                break
            except OSError:
                if time.time() > deadline:
                    pytest.fail("codedash serve did not answer within 90 s")
                time.sleep(0.5)
        assert page.status == 200 and b"_dash-config" in page.read()
        layout = urllib.request.urlopen(url + "/_dash-layout", timeout=30)
        assert layout.status == 200 and json.loads(layout.read())
        css = urllib.request.urlopen(url + "/assets/codedash.css", timeout=30)
        assert css.status == 200 and css.read() == (ROOT / "dashboard" / "assets" / "codedash.css").read_bytes()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
