"""Tiny real training runs of the readers (loadable EasyOCR/ONNX weights, resuming) and their site crops."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from gatekeeper.domain.plates import PLATE_CHARSET
from gatekeeper.training.reader import main, train_reader


def test_two_line_latin_site_crops_train_the_one_line_network_row_by_row(tmp_path: Path) -> None:
    import cv2

    from gatekeeper.dataset.synth.latin import LatinPlateRenderer
    from gatekeeper.training.reader_data import load_extra

    renderer = LatinPlateRenderer(seed=9)
    cv2.imwrite(str(tmp_path / "two.png"), renderer.render_two_line("MH 12 A", "B 1234").image)
    cv2.imwrite(str(tmp_path / "bad.png"), renderer.render_two_line("KA 05", "XY 7788").image)
    cv2.imwrite(str(tmp_path / "one.png"), renderer.render(text="AB-123-CD", style="plain").image)
    (tmp_path / "labels.csv").write_text(  # "bad" is labelled with a character missing: not split
        "image,plate\ntwo.png,MH12AB1234\nbad.png,KA05XY778\none.png,AB123CD\n", encoding="utf-8")
    latin = load_extra(tmp_path, kind="latin")
    assert latin.labels == ["MH12A", "B1234", "AB123CD"] and latin.images.shape == (3, 32, 160)


@pytest.mark.slow
def test_tiny_training_writes_loadable_weights_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    seen: list[str] = []
    res = train_reader(out, steps=3, batch_size=4, synthetic=12, held_out=6, producer=False,
                       checkpoint_every=2, progress=lambda f, m: seen.append(m), int8_calibration=8)
    assert res.steps == 3
    for p in (res.pth, res.yaml, res.py, res.onnx, res.int8):
        assert p is not None and p.is_file() and p.stat().st_size > 0
    cfg = yaml.safe_load(res.yaml.read_text(encoding="utf-8"))
    assert cfg["character_list"] == PLATE_CHARSET and cfg["imgH"] == 32 and cfg["lang_list"] == ["ko"]
    assert 0.0 <= res.metrics["synthetic_accuracy"] <= 1.0
    assert (out / "checkpoint.pt").is_file()

    again = train_reader(out, steps=5, batch_size=4, synthetic=12, held_out=6, producer=False,
                         checkpoint_every=2, progress=lambda f, m: seen.append(m))
    assert again.steps == 5
    assert any("resumed at step 3" in m for m in seen)

    tuned = train_reader(tmp_path / "tuned", steps=1, batch_size=4, synthetic=8, held_out=4, producer=False,
                         base_weights=again.pth, progress=lambda f, m: seen.append(m), average_base=0.5)
    assert tuned.steps == 1 and any("fine-tuning from" in m for m in seen)
    assert any(m.startswith("averaged 40 tensors with") for m in seen)  # all but the BatchNorm counters

    from gatekeeper.pipeline.reader import KoreanPlateReader

    crop = np.full((110, 520, 3), 230, np.uint8)
    for backend in ("easyocr", "onnx"):
        reader = KoreanPlateReader(out, backend=backend)
        assert reader.backend == backend
        read = reader.read(crop)  # an untrained net may read nothing; it must not fail
        assert read is None or len(read.char_confidences) == len(read.text)


def test_cli_rejects_missing_arguments() -> None:
    with pytest.raises(SystemExit):
        main(["--steps", "1"])


@pytest.mark.slow
def test_tiny_latin_training_starts_from_the_korean_network(tmp_path: Path) -> None:
    from gatekeeper.dataset.synth.latin import LATIN_CHARSET
    from gatekeeper.pipeline.reader_latin_net import LatinNetReader

    korean = train_reader(tmp_path / "kr", steps=1, batch_size=4, synthetic=8, held_out=4, producer=False)
    seen: list[str] = []
    res = train_reader(tmp_path / "latin", kind="latin", steps=3, batch_size=4, synthetic=12, held_out=6,
                       producer=False, base_weights=korean.pth, progress=lambda f, m: seen.append(m))
    assert res.pth.name == "latin_reader.pth" and res.onnx is not None and res.onnx.is_file()
    cfg = yaml.safe_load(res.yaml.read_text(encoding="utf-8"))
    assert cfg["character_list"] == LATIN_CHARSET and cfg["lang_list"] == ["en"]
    # every tensor but the output layer (another charset) comes from the Korean network
    assert any("fine-tuning from" in m and "44/46 tensors" in m for m in seen)
    crop = np.full((60, 240, 3), 220, np.uint8)
    for backend in ("easyocr", "onnx"):
        reader = LatinNetReader(res.pth.parent, backend=backend)
        assert reader.backend == backend and reader.charset == LATIN_CHARSET
        views = reader.read_views(crop)
        assert views and all(len(v.char_confidences) == len(v.text) for v in views)


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="kind"):
        train_reader(tmp_path, kind="cyrillic", steps=1)


def test_site_crops_go_to_the_reader_of_their_script(tmp_path: Path) -> None:
    import cv2

    from gatekeeper.training.reader_data import load_extra

    rows = [("a.png", "12가3456"), ("b.png", "ab-12 cde"), ("c.png", "서울12가3456"),
            ("d.png", "7ÄBC123"), ("e.png", ""), ("gone.png", "34나5678")]
    for name, _ in rows[:-1]:  # a crop deleted since it was labelled is skipped, not fatal
        cv2.imwrite(str(tmp_path / name), np.full((64, 220, 3), 200, np.uint8))
    csv_text = "image,plate\n" + "".join(f"{n},{t}\n" for n, t in rows)
    (tmp_path / "labels.csv").write_text(csv_text, encoding="utf-8")
    korean = load_extra(tmp_path, kind="korean")
    assert korean.labels == ["12가3456", "서울12가3456"] and korean.images.shape == (2, 32, 160)
    latin = load_extra(tmp_path, kind="latin")  # normalised; a letter outside A-Z is not trained on
    assert latin.labels == ["AB12CDE"] and latin.images.shape == (1, 32, 160)
    assert len(load_extra(tmp_path).labels) == 4
    (tmp_path / "labels.csv").write_text("image,plate\na.png,12가3456\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no Latin plates"):
        load_extra(tmp_path, kind="latin")


@pytest.mark.slow
def test_average_with_moves_fitting_float_tensors_part_of_the_way() -> None:
    import torch

    from gatekeeper.pipeline import reader_net
    from gatekeeper.training.reader import NETWORK_PARAMS, average_with

    torch.manual_seed(1)
    model = reader_net.Model(num_class=77, **NETWORK_PARAMS)
    other = reader_net.Model(num_class=37, **NETWORK_PARAMS).state_dict()  # another charset's output layer
    other = {f"module.{k}": v + 1.0 if v.dtype.is_floating_point else v + 5 for k, v in other.items()}
    before = {k: v.clone() for k, v in model.state_dict().items()}
    n = average_with(model, other, 0.25)
    after = model.state_dict()
    assert n == 38  # 40 float tensors, less the output layer's weight and bias, which do not fit
    conv = "FeatureExtraction.0.0.weight"
    assert conv in after and torch.allclose(after[conv], 0.75 * before[conv] + 0.25 * other[f"module.{conv}"])
    head = [k for k in after if after[k].shape != other[f"module.{k}"].shape]
    assert len(head) == 2 and all(torch.equal(after[k], before[k]) for k in head)
    counters = [k for k, v in after.items() if not v.dtype.is_floating_point]
    assert counters and all(torch.equal(after[k], before[k]) for k in counters)


def test_averaging_needs_base_weights_and_a_share_below_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs base_weights"):
        train_reader(tmp_path, steps=1, average_base=0.5)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        train_reader(tmp_path, steps=1, base_weights=tmp_path / "kr_reader.pth", average_base=1.0)


def test_a_run_can_end_early_on_its_schedule(tmp_path: Path) -> None:
    import torch

    out = tmp_path / "early"
    res = train_reader(out, steps=8, stop_at=3, batch_size=4, synthetic=12, held_out=6, producer=False,
                       checkpoint_every=100)
    assert res.steps == 3 and res.onnx is not None and res.onnx.is_file()
    state = torch.load(out / "checkpoint.pt", map_location="cpu", weights_only=False)
    assert state["step"] == 3  # the last step is checkpointed, so the run can be resumed past it
    lr = state["opt"]["param_groups"][0]["lr"]  # the last step's, on the 8-step cosine (a 3-step run: 1.0e-3)
    assert lr == pytest.approx(2e-3 * (0.02 + 0.49 * (1 + math.cos(math.pi / 7))))


def test_consistency_loss_is_the_kl_to_the_base_on_the_kept_samples() -> None:
    import torch

    from gatekeeper.training.reader import consistency_loss

    torch.manual_seed(3)
    teacher = torch.randn(3, 5, 4).log_softmax(-1)
    student = torch.randn(3, 5, 4).log_softmax(-1).requires_grad_(True)
    keep = torch.tensor([True, False, True])
    assert consistency_loss(teacher, teacher, keep).item() == pytest.approx(0.0, abs=1e-7)
    loss = consistency_loss(student, teacher, keep)
    t, s = teacher[[0, 2]], student[[0, 2]].detach()
    assert loss.item() == pytest.approx(float((t.exp() * (t - s)).sum(-1).mean())) and loss.item() > 0
    moved = student.detach().clone()
    moved[1] = torch.randn(5, 4).log_softmax(-1)  # a sample the base reads wrong does not count
    assert consistency_loss(moved, teacher, keep).item() == pytest.approx(loss.item())
    none = consistency_loss(student, teacher, torch.zeros(3, dtype=torch.bool))
    assert none.item() == 0.0 and none.requires_grad  # a batch the base reads wholly wrong adds nothing
    loss.backward()
    assert student.grad is not None and float(student.grad[1].abs().sum()) == 0.0


def test_distilling_needs_base_weights_of_the_same_network(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs base_weights"):
        train_reader(tmp_path / "a", steps=1, distill=1.0)
    with pytest.raises(ValueError, match="0 or more"):
        train_reader(tmp_path / "b", steps=1, distill=-1.0, base_weights=tmp_path / "kr_reader.pth")
    korean = Path(__file__).resolve().parents[2] / "weights" / "kr_reader.pth"
    with pytest.raises(ValueError, match="same network and charset"):  # the Latin charset's head does not fit
        train_reader(tmp_path / "c", kind="latin", steps=1, distill=1.0, base_weights=korean)


@pytest.mark.slow
def test_a_distilled_fine_tune_stays_closer_to_its_base(tmp_path: Path) -> None:
    import torch

    from gatekeeper.pipeline import reader_net
    from gatekeeper.pipeline.reader_layout import to_tensor_array
    from gatekeeper.training.reader import NETWORK_PARAMS, Codec, consistency_loss, fitting_state
    from gatekeeper.training.reader_data import make_samples

    base = Path(__file__).resolve().parents[2] / "weights" / "kr_reader.pth"
    codec = Codec(PLATE_CHARSET)

    def network(path: Path):
        model = reader_net.Model(num_class=codec.num_class, **NETWORK_PARAMS)
        model.load_state_dict(fitting_state(model, torch.load(path, map_location="cpu", weights_only=True)))
        return model.eval()

    probe = make_samples(48, seed=77)
    x = torch.from_numpy(to_tensor_array(list(probe.images)))
    with torch.no_grad():
        teacher = network(base)(x)
    right = torch.tensor([p == t for p, t in zip(codec.greedy(teacher.numpy()), probe.labels, strict=True)])
    assert int(right.sum()) >= 24  # the shipped network reads most synthetic plates

    drift = {}
    for weight in (0.0, 5.0):  # the same batches and steps (seed), at a learning rate that moves the network
        res = train_reader(tmp_path / f"d{weight:g}", steps=20, batch_size=16, synthetic=64, held_out=4,
                           producer=False, base_weights=base, lr=2e-3, distill=weight, int8_calibration=0,
                           seed=5)
        with torch.no_grad():
            tuned = network(res.pth)(x)
        drift[weight] = float(consistency_loss(tuned.log_softmax(-1), teacher.log_softmax(-1), right))
    assert drift[5.0] < 0.6 * drift[0.0]  # measured: 0.076 without, 0.033 with weight 1 or 20
