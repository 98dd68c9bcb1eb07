import argparse
import io
import json
import sys

import pytest

from applytrack.commands import classify as command

pytestmark = pytest.mark.unit


def parse(*argv):
    parser = argparse.ArgumentParser(prog="applytrack")
    command.register(parser.add_subparsers(required=True))
    return parser.parse_args(list(argv))


def test_register_adds_all_three_commands():
    for argv in (["classify", "--jsonl"], ["eval", "x.jsonl"], ["train"]):
        assert callable(parse(*argv).func)


def test_jsonl_contract_with_a_bad_line_in_the_middle():
    lines = [
        {
            "id": "a",
            "from": "x@acme.com",
            "subject": "Offer",
            "body": "Pleased to offer you the job.",
        },
        "this is not json",
        {"id": "c", "from": 5, "subject": "bad type"},
        {"id": "d", "from": "friend@gmail.com", "subject": "Dinner", "body": "Pizza?"},
    ]
    stdin = io.StringIO(
        "\n".join(row if isinstance(row, str) else json.dumps(row) for row in lines) + "\n"
    )
    stdout = io.StringIO()
    code = command.run_classify(
        parse("classify", "--jsonl", "--threshold", "0.99"), stdin=stdin, stdout=stdout
    )
    out = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert code == 1
    assert [row["id"] for row in out] == ["a", 2, "c", "d"]
    assert out[0]["label"] == "offer"
    assert set(out[0]) == {
        "id",
        "label",
        "confidence",
        "needs_review",
        "company",
        "role",
        "reasons",
    }
    assert out[0]["needs_review"] is (out[0]["confidence"] < 0.99)
    assert "not valid JSON" in out[1]["error"]
    assert "'from' must be a string" in out[2]["error"]
    # ordinary mail is logged, never reviewed, however unsure (as the processors file it)
    assert (out[3]["label"], out[3]["confidence"] < 0.99, out[3]["needs_review"]) == (
        "none",
        True,
        False,
    )


def test_eml_files_readable_and_json(tmp_path, capsys):
    eml = tmp_path / "offer.eml"
    eml.write_bytes(
        b"From: Dana <dana@globex.com>\r\nTo: me@example.com\r\nSubject: Offer\r\n"
        b"Date: Mon, 2 Oct 2024 10:00:00 +0000\r\n\r\nWe would like to extend an offer to you "
        b"for the Backend Engineer role.\r\n"
    )
    missing = tmp_path / "missing.eml"
    stdout = io.StringIO()
    code = command.run_classify(parse("classify", "--json", str(eml), str(missing)), stdout=stdout)
    rows = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert code == 1
    assert rows[0]["file"] == str(eml) and rows[0]["label"] == "offer"
    assert "cannot read" in rows[1]["error"]
    readable = io.StringIO()
    assert command.run_classify(parse("classify", str(eml)), stdout=readable) == 0
    assert readable.getvalue().startswith(f"{eml}: offer")


def test_classify_needs_exactly_one_input_kind(capsys):
    assert command.run_classify(parse("classify")) == 2
    assert "either .eml files or --jsonl" in capsys.readouterr().err


def test_threshold_outside_range_is_rejected():
    with pytest.raises(SystemExit):
        parse("classify", "--jsonl", "--threshold", "1.5")


def test_eval_prints_metrics(tmp_path):
    dataset = tmp_path / "tiny.jsonl"
    rows = [
        {
            "id": "1",
            "from": "x@a.com",
            "subject": "Offer",
            "body": "We'd like to extend an offer.",
            "label": "offer",
        },
        {"id": "2", "from": "f@gmail.com", "subject": "Dinner", "body": "Pizza?", "label": "none"},
    ]
    dataset.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    stdout = io.StringIO()
    assert command.run_eval(parse("eval", str(dataset)), stdout=stdout) == 0
    report = stdout.getvalue()
    for needle in ("macro-F1", "confusion matrix", "given a job label", "emails/s", "| offer |"):
        assert needle in report


def test_eval_rejects_a_bad_label(tmp_path, capsys):
    dataset = tmp_path / "bad.jsonl"
    dataset.write_text(json.dumps({"id": "1", "subject": "x", "label": "maybe"}) + "\n")
    assert command.run_eval(parse("eval", str(dataset)), stdout=io.StringIO()) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err


def test_train_refuses_to_run_without_the_ordinary_mail_corpus(tmp_path, capsys):
    output = tmp_path / "model"
    args = parse(
        "train",
        *("--ham-dir", str(tmp_path / "no-ham")),
        *("--data-dir", str(tmp_path / "no-data")),
        *("--output", str(output)),
    )
    assert command.run_train(args) == 2
    error = capsys.readouterr().err
    assert "the ordinary-mail corpus is missing" in error
    assert "--ham-dir" in error and "Nothing was trained or written" in error
    assert not output.exists()


def test_train_refuses_an_empty_ham_directory(tmp_path, capsys):
    (tmp_path / "ham" / "easy-ham-1").mkdir(parents=True)
    args = parse(
        "train",
        *("--ham-dir", str(tmp_path / "ham")),
        *("--data-dir", str(tmp_path / "no-data")),
        *("--output", str(tmp_path / "model")),
    )
    assert command.run_train(args) == 2
    assert "holds no messages" in capsys.readouterr().err


def test_train_reads_the_shared_ham_by_default_and_refuses_when_it_is_absent(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(command, "DEFAULT_HAM_DIR", tmp_path / "shared" / "spamassassin-ham")
    args = parse("train", "--data-dir", str(tmp_path / "no-data"), "--output", str(tmp_path / "m"))
    assert args.ham_dir == tmp_path / "shared" / "spamassassin-ham"
    assert command.run_train(args) == 2
    assert "the ordinary-mail corpus is missing" in capsys.readouterr().err


def test_train_and_eval_say_they_run_from_a_source_checkout(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(command, "REPO_ROOT", tmp_path)  # no training/ next to applytrack/
    for name in [name for name in sys.modules if name.split(".")[0] == "training"]:
        monkeypatch.setitem(sys.modules, name, None)  # the kit cannot be imported
    monkeypatch.setitem(sys.modules, "training", None)
    assert command.run_train(parse("train", "--output", str(tmp_path / "model"))) == 2
    assert command.run_eval(parse("eval", str(tmp_path / "x.jsonl"))) == 2
    errors = capsys.readouterr().err
    assert errors.count("runs from a source checkout") == 2
    assert "`applytrack train`" in errors and "`applytrack eval`" in errors
    assert not (tmp_path / "model").exists()
    stdout = io.StringIO()
    line = json.dumps({"id": "x", "from": "f@gmail.com", "subject": "Dinner", "body": "Pizza?"})
    code = command.run_classify(
        parse("classify", "--jsonl"), stdin=io.StringIO(line + "\n"), stdout=stdout
    )
    assert code == 0 and json.loads(stdout.getvalue())["label"] == "none"
