"""The wheel ships the classifier's runtime and its model, never the training kit or its data.

The wheel is built (`pip wheel --no-deps`) from a copy of the source tree that includes the
top-level training/ package, installed on its own and run from outside the checkout:
`classify` works there, `train` and `eval` say that they run from a source checkout.
"""

import ast
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.sync_testkit import REPO_ROOT

pytestmark = pytest.mark.unit


# Other writers fill these folders of the training kit; the wheel must not carry them either way,
# and this test does not need to read them.
KIT_FOLDERS_OF_OTHERS = {"mail", "eval"}
PROBE = r"""
import contextlib, io, json, sys
from pathlib import Path
from applytrack.commands import classify as command
import argparse

parser = argparse.ArgumentParser(prog="applytrack")
command.register(parser.add_subparsers(required=True))
record = {"id": "a", "from": "Acme Careers <no-reply@acme.greenhouse.io>",
          "subject": "Interview invitation",
          "body": "We would like to schedule an interview for the Data Engineer role."}
out, err = io.StringIO(), io.StringIO()
with contextlib.redirect_stderr(err):
    classified = command.run_classify(parser.parse_args(["classify", "--jsonl"]),
                                      stdin=io.StringIO(json.dumps(record) + "\n"), stdout=out)
    kit_loaded = "training" in sys.modules
    trained = command.run_train(parser.parse_args(["train", "--output", "model"]))
    evaluated = command.run_eval(parser.parse_args(["eval", "x.jsonl"]))
print(json.dumps({
    "command": command.__file__,
    "classify": [classified, out.getvalue()],
    "kit_loaded": kit_loaded,
    "train": trained,
    "eval": evaluated,
    "stderr": err.getvalue(),
    "model_written": Path("model").exists(),
}))
"""


def source_copy(destination: Path) -> Path:
    """pyproject.toml, README.md and every top-level package, the training kit included."""
    destination.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, destination / name)
    for package in sorted(REPO_ROOT.iterdir()):
        if package.name == "tests" or not (package / "__init__.py").is_file():
            continue

        def skipped(directory: str, names: list[str]) -> set[str]:
            kit = Path(directory) == REPO_ROOT / "training"
            return {"__pycache__"} | (KIT_FOLDERS_OF_OTHERS & set(names) if kit else set())

        shutil.copytree(package, destination / package.name, ignore=skipped)
    # A data set left in the runtime by mistake: the package-data globs must not ship it.
    (destination / "classifier" / "data").mkdir(exist_ok=True)
    (destination / "classifier" / "data" / "stray.jsonl").write_text("{}\n")
    return destination


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    sources = source_copy(work / "src")
    assert (sources / "training" / "__init__.py").is_file()
    assert list((sources / "training" / "data").glob("*.jsonl"))
    build = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", "wheel"),
            *("--no-deps", "--wheel-dir", str(work / "wheels")),
            str(sources),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (built,) = (work / "wheels").glob("*.whl")
    return built


def test_the_wheel_ships_the_runtime_and_model_but_not_the_kit(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert not [name for name in names if name.startswith("training/")]
    assert not [name for name in names if name.endswith(".jsonl")]
    for runtime in (
        "classifier/pipeline.py",
        "classifier/components.py",
        "classifier/fingerprint.py",
        "classifier/sources.py",
        "classifier/newest_text.py",
        "classifier/model/config.cfg",
        "classifier/model/textcat/model",
        "classifier/model/tokenizer/known_words.json",
        "classifier/model/training.json",
    ):
        assert runtime in names
    kit_modules = [n for n in names if n.startswith(("classifier/corpus", "classifier/train"))]
    assert not kit_modules


def test_the_installed_wheel_classifies_and_sends_training_to_a_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    install = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", "install"),
            *("--no-deps", "--target", str(site), str(wheel)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    run = tmp_path / "elsewhere"
    run.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=run,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert Path(report["command"]).is_relative_to(site), "ran the checkout, not the wheel"
    code, output = report["classify"]
    verdict = json.loads(output)
    assert code == 0 and verdict["label"] == "interviewing"
    contract = {"id", "label", "confidence", "needs_review", "company", "role", "reasons"}
    assert set(verdict) == contract
    assert not report["kit_loaded"]
    assert (report["train"], report["eval"]) == (2, 2)
    assert report["stderr"].count("runs from a source checkout") == 2
    assert not report["model_written"]


def test_the_runtime_never_imports_the_training_kit():
    importers = []
    for path in sorted((REPO_ROOT / "classifier").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            if any(module.split(".")[0] == "training" for module in modules):
                importers.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    assert not importers, f"the runtime imports the training kit: {importers}"


@pytest.mark.parametrize("ignore_file", [".dockerignore", ".gcloudignore"])
def test_the_image_build_context_leaves_out_the_training_kit(ignore_file):
    lines = (REPO_ROOT / ignore_file).read_text().splitlines()
    assert "training" in lines, f"{ignore_file} must keep training/ out of the image build"
