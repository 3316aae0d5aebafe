"""``gatekeeper train reader|latin-reader --site`` and ``gatekeeper models`` / ``models activate``
through the CLI."""

from __future__ import annotations

import json
import re

import cv2
import numpy as np
import pytest

from gatekeeper.cli import main
from gatekeeper.domain.paths import AppPaths
from gatekeeper.domain.settings import Settings
from gatekeeper.services.labeling import LabelingService
from gatekeeper.services.model_registry import active_weights
from gatekeeper.storage.db import Database
from gatekeeper.storage.labeling_repo import LabeledPlate, LabelingRepository
from gatekeeper.training.site import synthetic_gate_frames

TINY = ["--steps", "3", "--synthetic", "32", "--batch-size", "8", "--held-out", "8"]


@pytest.fixture
def labelled_site(tmp_path) -> AppPaths:
    paths = AppPaths.default().ensure()
    db = Database.for_paths(paths)
    db.upgrade()
    svc = LabelingService(LabelingRepository(db), paths, Settings(), user="tester")
    for k, (frame, box, text) in enumerate(synthetic_gate_frames(12, seed=3)):
        path = tmp_path / f"g{k}.jpg"
        cv2.imwrite(str(path), frame)
        svc.save(svc.enqueue_frame(path, text=text, box=box), [LabeledPlate(box, text)])
    db.dispose()
    return paths


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_models_lists_shipped_weights_and_refuses_unknown_version(capsys) -> None:
    assert main(["models", "--json"]) == 0
    listed = {m["version"]: m for m in json.loads(capsys.readouterr().out)}
    shipped = {m["kind"]: m for m in listed.values() if m["status"] == "active"}
    assert set(shipped) == {"detector", "reader", "latin-reader"}, "shipped weights are the first versions"
    assert all(m["parent"] is None and all(len(h) == 64 for h in m["sha256"].values())
               for m in shipped.values())
    assert main(["models", "activate", "reader-042"]) == 2
    assert "no model version 'reader-042'" in capsys.readouterr().err


def test_train_site_without_labels_is_a_clear_error(capsys) -> None:
    assert main(["train", "reader", "--site", *TINY]) == 2
    assert "validation split has no Korean plates" in capsys.readouterr().err


@pytest.mark.slow
def test_train_site_then_list_and_roll_back(labelled_site: AppPaths, capsys) -> None:
    assert main(["train", "reader", "--site", "--progress-json", *TINY]) == 0
    lines = _json_lines(capsys.readouterr().out)
    progress = [m["progress"] for m in lines if "progress" in m]
    assert progress and progress == sorted(progress) and progress[-1] == 1.0
    first = lines[-1]["result"]
    assert first["kind"] == "reader" and first["version"] and first["report"].endswith("report.html")
    if first["promoted"]:
        assert active_weights(labelled_site, "reader").parent.name == first["version"]
    assert main(["train", "reader", "--site", "--progress-json", "--distill", "1", *TINY]) == 0
    second = _json_lines(capsys.readouterr().out)[-1]["result"]
    assert main(["models", "--json", "--kind", "reader"]) == 0
    listed = {m["version"]: m for m in json.loads(capsys.readouterr().out)}
    assert {first["version"], second["version"]} <= set(listed)
    assert listed[second["version"]]["parent"] in (first["version"], first["parent"])
    assert all(m["sha256"] and m["kind"] == "reader" for m in listed.values())
    assert main(["models"]) == 0
    table = capsys.readouterr().out
    assert (first["version"] in table and re.search(r"plate_accuracy=[01]\.\d{3}", table)
            and "rejected" in table)
    assert main(["models", "activate", second["version"]]) == 0
    assert f"{second['version']} is now the active reader" in capsys.readouterr().out
    assert active_weights(labelled_site, "reader").parent.name == second["version"]
    assert main(["models", "--json", "--kind", "reader"]) == 0
    statuses = {m["version"]: m["status"] for m in json.loads(capsys.readouterr().out)}
    assert statuses[second["version"]] == "active" and list(statuses.values()).count("active") == 1


@pytest.mark.slow
def test_train_latin_reader_base_recipe(tmp_path, capsys) -> None:
    out = tmp_path / "latin"
    assert main(["train", "latin-reader", "--out", str(out), "--progress-json", *TINY]) == 0
    result = _json_lines(capsys.readouterr().out)[-1]["result"]
    assert result["kind"] == "latin-reader" and result["weights"].endswith("latin_reader.pth")
    assert (out / "latin_reader.onnx").is_file() and (out / "latin_reader.yaml").is_file()


def test_a_reader_run_exports_under_the_name_given(tmp_path, capsys) -> None:
    """``--name latin_us``: the US serial network's files, loadable by that name."""
    from gatekeeper.pipeline.reader_ctc import CtcNetwork

    out = tmp_path / "us"
    assert main(["train", "latin-reader", "--out", str(out), "--name", "latin_us", *TINY]) == 0
    result = _json_lines(capsys.readouterr().out)[-1]["result"]
    assert result["weights"].endswith("latin_us.pth")
    assert sorted(p.name for p in out.glob("latin_us.*")) == ["latin_us.int8.onnx", "latin_us.onnx",
                                                             "latin_us.pth", "latin_us.py", "latin_us.yaml"]
    assert not list(out.glob("latin_reader.*"))
    net = CtcNetwork(out, "latin_us", backend="onnx")
    assert net.int8 and net.line_probs([np.zeros((32, 160), np.uint8)]).shape[-1] == 37


@pytest.mark.slow
def test_site_training_of_the_latin_reader(tmp_path, capsys) -> None:
    paths = AppPaths.default().ensure()
    db = Database.for_paths(paths)
    db.upgrade()
    svc = LabelingService(LabelingRepository(db), paths, Settings(), user="tester")
    for k, (frame, box, text) in enumerate(synthetic_gate_frames(12, seed=4, latin=True)):
        path = tmp_path / f"latin{k}.jpg"
        cv2.imwrite(str(path), frame)
        svc.save(svc.enqueue_frame(path, text=text, box=box), [LabeledPlate(box, text, "foreign")])
    db.dispose()
    assert main(["train", "reader", "--site", *TINY]) == 2  # no Korean plates labelled
    assert "has no Korean plates" in capsys.readouterr().err
    assert main(["train", "latin-reader", "--site", "--progress-json", "--distill", "1", *TINY]) == 0
    result = _json_lines(capsys.readouterr().out)[-1]["result"]
    assert result["kind"] == "latin-reader" and result["version"].startswith("latin-reader-")
    assert set(result["data"]) == {"plates_latin_train", "plates_latin_val"}
    assert main(["models", "--kind", "latin-reader"]) == 0
    table = capsys.readouterr().out
    active = result["version"] if result["promoted"] else "latin-reader-000"
    assert result["version"] in table and f"{active}*" in table
    assert all(line.split()[1] == "latin-reader" for line in table.splitlines()[1:])


def _parse(argv: list[str]):
    import argparse

    from gatekeeper.cli.train import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(argv)


def test_detector_fine_tune_options_reach_the_trainer() -> None:
    from gatekeeper.cli.train import _trainer_kwargs, option_errors

    args = _parse(["train", "detector", "--base", "weights/plate_detector.pt",
                   "--low-light", "900", "--blur", "900", "--lettering", "300", "--lr0", "0.001",
                   "--batch-size", "16", "--seed", "1"])
    assert option_errors(args) == []
    assert _trainer_kwargs(args) == {"batch": 16, "seed": 1, "base_weights": args.base, "low_light": 900,
                                     "blur": 900, "lettering": 300, "lr0": 0.001}


def test_reader_recipe_options_reach_the_trainer() -> None:
    from gatekeeper.cli.train import _trainer_kwargs, option_errors

    args = _parse(["train", "reader", "--base", "runs/reader_v1.pth", "--steps", "4000", "--lr", "3e-4",
                   "--seed", "13", "--stop-at", "2000", "--average-base", "0.5", "--distill", "1",
                   "--style-weight", "rental=0.2", "--style-weight", "blue_ev=0"])
    assert option_errors(args) == []
    assert _trainer_kwargs(args) == {"seed": 13, "base_weights": args.base, "lr": 3e-4, "stop_at": 2000,
                                     "average_base": 0.5, "distill": 1.0,
                                     "styles": {"rental": 0.2, "blue_ev": 0.0}}
    latin = _parse(["train", "latin-reader", "--style-weight", "us=0.7", "--name", "latin_us"])
    assert option_errors(latin) == []
    assert _trainer_kwargs(latin) == {"name": "latin_us", "styles": {"us": 0.7}}
    site = _parse(["train", "latin-reader", "--site", "--lr", "5e-4", "--distill", "2"])
    assert _trainer_kwargs(site) == {"lr": 5e-4, "distill": 2.0}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "reader", "--low-light", "5"], "--low-light does not apply to the reader"),
        (["train", "latin-reader", "--blur", "5"], "--blur does not apply to the latin-reader"),
        (["train", "reader", "--lettering", "5"], "--lettering does not apply to the reader"),
        (["train", "latin-reader", "--epochs", "3"], "--epochs does not apply to the latin-reader"),
        (["train", "detector", "--lr", "0.01"], "--lr does not apply to the detector"),
        (["train", "detector", "--average-base", "0.5"], "--average-base does not apply to the detector"),
        (["train", "reader", "--site", "--base", "x.pth"], "--base does not apply with --site"),
        (["train", "reader", "--base", "x.pth", "--average-base", "1"], "--average-base must be at least 0"),
        (["train", "detector", "--distill", "1"], "--distill does not apply to the detector"),
        (["train", "reader", "--base", "x.pth", "--distill", "-1"], "--distill must be at least 0"),
        (["train", "latin-reader", "--style-weight", "rental=1"], "unknown Latin plate style 'rental'"),
        (["train", "reader", "--site", "--style-weight", "rental=1"], "applies to the readers' base"),
        (["train", "detector", "--style-weight", "us=1"], "--style-weight applies to the readers'"),
        (["train", "reader", "--style-weight", "taxi=1"], "unknown plate style 'taxi'"),
        (["train", "reader", "--style-weight", "rental"], "expected STYLE=WEIGHT"),
        (["train", "detector", "--name", "det"], "--name does not apply to the detector"),
        (["train", "latin-reader", "--site", "--name", "latin_us"], "--name does not apply with --site"),
    ],
)
def test_options_that_do_not_apply_are_refused(argv: list[str], message: str, tmp_path, capsys) -> None:
    assert main([*argv, "--out", str(tmp_path / "run")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists(), "nothing is trained or written"
