"""The `classify`, `eval` and `train` subcommands: the classifier's command-line surface.

`classify` needs only the runtime (`classifier`, in the wheel). `eval` and `train` need the
training kit, the top-level `training` package, which only a source checkout has.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import TextIO

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_HAM_DIR = REPO_ROOT / ".." / "shared" / "data" / "spamassassin-ham"
KIT_MISSING = (
    "`applytrack {command}` runs from a source checkout: it needs the training kit (the "
    "top-level training/ package), which the installed package does not ship. Run it with "
    "the checkout's virtualenv, e.g. `.venv/bin/applytrack {command}` in the repository."
)
logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `classify`, `eval` and `train` parsers."""
    classify = subparsers.add_parser("classify", help="classify .eml files or JSON lines on stdin")
    classify.add_argument("files", nargs="*", type=Path, help="raw RFC 822 (.eml) files")
    classify.add_argument("--json", action="store_true", help="print one JSON object per file")
    classify.add_argument(
        "--jsonl",
        action="store_true",
        help="read {id, from, to, subject, date, body} lines on stdin",
    )
    classify.add_argument(
        "--threshold",
        type=_probability,
        default=0.6,
        help="below this confidence a verdict needs review (default 0.6)",
    )
    classify.add_argument("--model", type=Path, default=None, help="saved pipeline directory")
    classify.set_defaults(func=run_classify)

    evaluate = subparsers.add_parser(
        "eval", help="evaluate the classifier on a labelled JSONL file"
    )
    evaluate.add_argument("dataset", type=Path, help="JSONL with {id, from, subject, body, label}")
    evaluate.add_argument(
        "--ham-dir",
        type=Path,
        default=None,
        help="also report the share of this RFC 822 ham given a job label",
    )
    evaluate.add_argument("--model", type=Path, default=None, help="saved pipeline directory")
    evaluate.set_defaults(func=run_eval)

    train = subparsers.add_parser("train", help="retrain and save the shipped classifier")
    train.add_argument("--data-dir", type=Path, default=None, help="corpus directory")
    train.add_argument(
        "--ham-dir",
        type=Path,
        default=DEFAULT_HAM_DIR,
        help="SpamAssassin ham directory (easy-ham-1 trains, easy-ham-2 is held out)",
    )
    train.add_argument("--output", type=Path, default=None, help="where to save the pipeline")
    train.add_argument("--epochs", type=int, default=None, help="training epochs")
    train.add_argument(
        "--regenerate", action="store_true", help="rewrite the synthetic corpus first"
    )
    train.add_argument(
        "--include-corrections",
        type=Path,
        default=None,
        metavar="FILE",
        help="also train on people's corrections (`applytrack corrections export FILE`)",
    )
    train.set_defaults(func=run_train)


def run_classify(
    args: argparse.Namespace, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Classify files or JSON lines and print the verdicts; return the exit code."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if args.jsonl == bool(args.files):
        _error("give either .eml files or --jsonl (JSON lines on stdin), not both or neither")
        return 2
    classifier = _load(args.model)
    if classifier is None:
        return 2
    if args.jsonl:
        return _classify_jsonl(classifier, stdin, stdout, args.threshold)
    return _classify_files(classifier, args.files, stdout, args.threshold, as_json=args.json)


def run_eval(args: argparse.Namespace, *, stdout: TextIO | None = None) -> int:
    """Evaluate the classifier on a labelled dataset and print the report."""
    evaluation = _training_kit("training.evaluation", "eval")
    datasets = _training_kit("training.datasets", "eval") if evaluation is not None else None
    if evaluation is None or datasets is None:
        return 2
    from classifier.sources import BadRecord

    stdout = stdout or sys.stdout
    if not args.dataset.is_file():
        _error(f"{args.dataset} does not exist: pass a labelled JSONL file")
        return 2
    try:
        records = datasets.read_labelled_jsonl(args.dataset)
    except BadRecord as exc:
        _error(f"{exc}; fix or remove that line")
        return 2
    classifier = _load(args.model)
    if classifier is None:
        return 2
    report = evaluation.evaluate(classifier, records)
    print(evaluation.format_report(report, title=str(args.dataset.name)), file=stdout)
    if args.ham_dir is not None:
        if not args.ham_dir.is_dir():
            _error(f"--ham-dir {args.ham_dir} is not a directory of RFC 822 files")
            return 2
        ham = list(datasets.read_ham_dir(args.ham_dir))
        ham_report = evaluation.evaluate_ham(classifier, ham)
        print("\n" + evaluation.format_ham_report(ham_report), file=stdout)
    return 0


def run_train(args: argparse.Namespace, *, stdout: TextIO | None = None) -> int:
    """Retrain the pipeline deterministically, save it, and write the metrics report.

    Refuses (exit 2, nothing written) without the training kit or the ordinary-mail corpus.
    """
    run = _training_kit("training.run", "train")
    if run is None:
        return 2
    corrections = getattr(args, "include_corrections", None)
    if corrections is not None and not corrections.is_file():
        _error(
            f"--include-corrections {corrections} does not exist: write it with "
            "`applytrack corrections export FILE`"
        )
        return 2
    stdout = stdout or sys.stdout
    try:
        report = run.train_and_report(
            data_dir=args.data_dir,
            ham_dir=args.ham_dir,
            model_dir=args.output,
            epochs=args.epochs,
            regenerate=args.regenerate,
            corrections=corrections,
        )
    except FileNotFoundError as exc:  # the ham corpus (HamCorpusMissing) or a corpus split
        _error(str(exc))
        return 2
    print(report, file=stdout)
    return 0


def _training_kit(module: str, command: str) -> ModuleType | None:
    """Import a module of the training kit; None, after saying why, when there is no kit."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if not _is_kit(exc.name):
            raise
    # An editable install maps only the packaged top-level packages; a checkout's training/ sits
    # next to applytrack/. (An installed wheel has no training/ beside it.)
    if (REPO_ROOT / "training" / "__init__.py").is_file() and str(REPO_ROOT) not in sys.path:
        sys.path.append(str(REPO_ROOT))
        try:
            return importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not _is_kit(exc.name):
                raise
    _error(KIT_MISSING.format(command=command))
    return None


def _is_kit(name: str | None) -> bool:
    return name == "training" or (name or "").startswith("training.")


def _classify_jsonl(classifier, stdin: TextIO, stdout: TextIO, threshold: float) -> int:
    from classifier.sources import BadRecord, email_from_record

    failures = 0
    pending: list[tuple[object, object]] = []  # (id, Email or error text), in input order
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        record_id: object = number
        try:
            record = json.loads(line)
            if isinstance(record, dict):
                record_id = record.get("id", number)
            pending.append((record_id, email_from_record(record)))
        except json.JSONDecodeError as exc:
            pending.append((record_id, f"line {number} is not valid JSON: {exc.msg}"))
        except BadRecord as exc:
            pending.append((record_id, f"line {number}: {exc}"))
    emails = [item for _, item in pending if not isinstance(item, str)]
    results = iter(classifier.classify_many(emails))
    for record_id, item in pending:
        if isinstance(item, str):
            failures += 1
            stdout.write(json.dumps({"id": record_id, "error": item}) + "\n")
            continue
        stdout.write(json.dumps(_verdict(record_id, next(results), threshold)) + "\n")
    stdout.flush()
    return 1 if failures else 0


def _classify_files(
    classifier, files: list[Path], stdout: TextIO, threshold: float, *, as_json: bool
) -> int:
    from classifier.sources import email_from_rfc822

    failures = 0
    for path in files:
        try:
            email = email_from_rfc822(path.read_bytes())
        except OSError as exc:
            failures += 1
            message = f"cannot read {path}: {exc.strerror or exc}"
            if as_json:
                print(json.dumps({"file": str(path), "error": message}), file=stdout)
            else:
                _error(message)
            continue
        verdict = _verdict(str(path), classifier.classify(email), threshold)
        if as_json:
            verdict["file"] = verdict.pop("id")
            print(json.dumps(verdict), file=stdout)
        else:
            print(_readable(path, verdict), file=stdout)
    return 1 if failures else 0


def _verdict(record_id: object, result, threshold: float) -> dict[str, object]:
    return {
        "id": record_id,
        "label": result.label,
        "confidence": result.confidence,
        "needs_review": result.needs_review(threshold),  # as the processors decide it
        "company": result.company,
        "role": result.role,
        "reasons": list(result.reasons),
    }


def _readable(path: Path, verdict: dict[str, object]) -> str:
    review = " (needs review)" if verdict["needs_review"] else ""
    about = " · ".join(str(v) for v in (verdict["company"], verdict["role"]) if v) or "-"
    reasons = ", ".join(verdict["reasons"]) or "-"  # type: ignore[arg-type]
    return (
        f"{path}: {verdict['label']} {verdict['confidence']:.2f}{review}\n"
        f"  about: {about}\n  because: {reasons}"
    )


def _load(model: Path | None):
    from classifier import ModelNotFound, load_classifier

    try:
        return load_classifier(model)
    except ModelNotFound as exc:
        _error(str(exc))
        return None


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number between 0 and 1") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is outside 0..1: pass a confidence like 0.6")
    return value


def _error(message: str) -> None:
    print(f"applytrack: error: {message}", file=sys.stderr)
