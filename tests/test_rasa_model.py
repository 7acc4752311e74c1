"""The Rasa model itself: test stories and NLU on held-out citizen phrasings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import launcher
from tests.conftest import ROOT, run_rasa

pytestmark = pytest.mark.rasa

NLU_ACCURACY_FLOOR = 0.90


@pytest.fixture(scope="module")
def model() -> Path:
    launcher.train_if_changed()
    return launcher.MODEL_FILE


def test_rasa_test_stories_pass(model: Path, tmp_path: Path) -> None:
    result = run_rasa("test", "core", "--stories", "tests/rasa/test_stories.yml", "--model",
                      str(model), "--out", str(tmp_path), "--fail-on-prediction-errors")
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, details


def test_held_out_phrasings_are_understood(model: Path, tmp_path: Path) -> None:
    result = run_rasa("test", "nlu", "--nlu", str(ROOT / "tests" / "nlu" / "holdout.yml"),
                      "--model", str(model), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "intent_report.json").read_text())
    assert report["accuracy"] >= NLU_ACCURACY_FLOOR, json.dumps(
        {k: v for k, v in report.items() if isinstance(v, dict) and v.get("f1-score", 1) < 0.9},
        ensure_ascii=False)
