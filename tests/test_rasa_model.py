"""The Rasa model itself: test stories and NLU on held-out citizen phrasings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from bot import launcher
from tests.support.paths import ROOT
from tests.support.processes import Started
from tests.support.stack import start_rasa_cli

pytestmark = pytest.mark.rasa

NLU_ACCURACY_FLOOR = 0.90


class Check(NamedTuple):
    command: Started
    out: Path   # the folder it writes its reports to


@pytest.fixture(scope="module")
def checks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Check]]:
    """The module's three commands, started together: each spends most of its time loading
    TensorFlow (and the model) on one core, so side by side they take about as long as the
    slowest alone. Each test reads its own."""
    launcher.train_if_changed()
    model = str(launcher.MODEL_FILE)
    core, nlu = tmp_path_factory.mktemp("rasa-test-core"), tmp_path_factory.mktemp("rasa-test-nlu")
    started = {
        "core": Check(start_rasa_cli("test", "core", "--stories", "tests/rasa/test_stories.yml", "--model",
                                     model, "--out", str(core), "--fail-on-prediction-errors"), core),
        "nlu": Check(start_rasa_cli("test", "nlu", "--nlu", str(ROOT / "tests" / "nlu" / "holdout.yml"),
                                    "--model", model, "--out", str(nlu)), nlu),
        "engine": Check(Started([str(launcher.RASA_VENV / "bin" / "python"), "-c", ENGINE_CHECK], cwd=ROOT,
                                timeout=300), tmp_path_factory.mktemp("engine-check")),
    }
    yield started
    for check in started.values():
        check.command.stop()


def test_rasa_test_stories_pass(checks: dict[str, Check]) -> None:
    command, out = checks["core"]
    result = command.result()
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, details


def test_held_out_phrasings_are_understood(checks: dict[str, Check]) -> None:
    command, out = checks["nlu"]
    result = command.result()
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((out / "intent_report.json").read_text())
    assert report["accuracy"] >= NLU_ACCURACY_FLOOR, json.dumps(
        {k: v for k, v in report.items() if isinstance(v, dict) and v.get("f1-score", 1) < 0.9},
        ensure_ascii=False)


ENGINE_CHECK = r'''
import asyncio, json
import rasa_addons  # noqa: F401  (what Rasa's pipeline import does: puts the speed-ups in place)
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from rasa.core.nlg import interpolator

errors = []
class Record:  # what the interpolator reports, e.g. a placeholder it could not fill
    def __getattr__(self, level):
        return lambda event, **fields: errors.append(f"{level}: {event} {fields.get('response')}")
interpolator.structlogger = Record()

action = RemoteAction("action_answer_question", None)
good = {"events": [{"event": "slot", "name": "procedure_id", "value": "khai-sinh"}],
        "responses": [{"text": "Dạ", "buttons": [{"title": "Lệ phí", "payload": "/ask_detail"}]}]}
verdicts = {"good": action._validate_action_result(good)}
for name, bad in {"responses not a list": {"responses": "Dạ"},
                  "event without a name": {"events": [{"event": "slot", "value": 1}]}}.items():
    try:
        action._validate_action_result(bad)
        verdicts[name] = "accepted"
    except ValidationError as error:
        verdicts[name] = "Failed to validate Action server response" in error.message

domain = Domain.load("domain.yml")
tracker = DialogueStateTracker.from_events("c", [], domain.slots)
greeting = asyncio.run(TemplatedNaturalLanguageGenerator(domain.responses).generate("utter_greet", tracker, "rest"))

from rasa.shared.nlu.training_data.message import Message
from rasa_addons.person_request import PersonRequestCheck

def read_as_asking_for_a_person(text):
    ranking = [{"name": "request_human", "confidence": 0.89}, {"name": "inform", "confidence": 0.05}]
    message = Message({"text": text, "intent": ranking[0], "intent_ranking": ranking})
    PersonRequestCheck().process([message])
    return message.get("intent")["name"]

person = {text: read_as_asking_for_a_person(text) for text in
          ("nguyen gia bao", "gặp nhân viên", "cho xin hotline", "goi dien cho toi dc ko", "/request_human")}

from rasa_addons.full_name import FullNameCheck

def read_as_cancel(text):
    ranking = [{"name": "cancel", "confidence": 0.60}, {"name": "go_back", "confidence": 0.2},
               {"name": "inform", "confidence": 0.1}]
    message = Message({"text": text, "intent": ranking[0], "intent_ranking": ranking})
    FullNameCheck().process([message])
    return message.get("intent")["name"]

names = {text: read_as_cancel(text) for text in
         ("Phan Văn Hủy", "Mai Thị Thoát", "Hủy", "Hủy Hồ Sơ", "hồ sơ này hủy đi", "Thôi Không Làm Nữa")}
from rasa_addons.complaint import ComplaintCheck

def read_as_complaint(text):
    ranking = [{"name": "complain", "confidence": 0.48}, {"name": "ask_procedure", "confidence": 0.3}]
    message = Message({"text": text, "intent": ranking[0], "intent_ranking": ranking})
    ComplaintCheck().process([message])
    return message.get("intent")["name"]

import yaml
examples = next(block["examples"] for block in yaml.safe_load(open("data/nlu/handoff.yml"))["nlu"]
                if block.get("intent") == "complain")
complaints = {text: read_as_complaint(text) for text in
              ("đổi bằng lái xe quân sự", "lệ phí cấp thẻ bảo hiểm y tế", "giấy tờ kèm theo", "/complain")}
complaints["every example"] = sorted({read_as_complaint(line[2:]) for line in examples.splitlines() if line.strip()})
print(json.dumps({"verdicts": verdicts, "payloads": [b["payload"] for b in greeting["buttons"]], "errors": errors,
                  "person": person, "names": names, "complaints": complaints}))
'''


def test_action_responses_are_still_validated_and_buttons_render_cleanly(
        checks: dict[str, Check]) -> None:
    """The cached validator (rasa_addons/action_validation.py) accepts and rejects as Rasa did, and
    the greeting's entity buttons reach the citizen as plain payloads without an error per reply."""
    result = checks["engine"].command.result()
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["verdicts"] == {"good": True, "responses not a list": True, "event without a name": True}
    assert report["payloads"][:3] == ['/choose{"item_id": "khai-sinh"}', '/choose{"item_id": "ly-lich-tu-phap"}',
                                      '/choose{"item_id": "gio-lam-viec"}']
    assert report["errors"] == []


def test_only_a_message_naming_a_person_asks_for_one(checks: dict[str, Check]) -> None:
    """Asking for a person leaves the form being filled in: once, DIET read "nguyen gia bao", typed
    as a child's name, that way (rasa_addons/person_request.py gives it DIET's next reading)."""
    result = checks["engine"].command.result()
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["person"] == {
        "nguyen gia bao": "inform", "gặp nhân viên": "request_human", "cho xin hotline": "request_human",
        "goi dien cho toi dc ko": "request_human", "/request_human": "request_human"}


def test_only_a_message_voicing_displeasure_is_a_complaint(checks: dict[str, Check]) -> None:
    """A complaint hands over to a person: DIET read "đổi bằng lái xe quân sự" that way (0.48), and the
    citizen was offered a call-back (rasa_addons/complaint.py gives it DIET's next reading). Every
    complaint the NLU data teaches stays one."""
    result = checks["engine"].command.result()
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["complaints"] == {
        "đổi bằng lái xe quân sự": "ask_procedure", "lệ phí cấp thẻ bảo hiểm y tế": "ask_procedure",
        "giấy tờ kèm theo": "ask_procedure", "/complain": "complain", "every example": ["complain"]}


def test_a_full_name_typed_in_a_form_is_never_a_way_out_of_it(checks: dict[str, Check]) -> None:
    """DIET read "Phan Văn Hủy" as "hủy" (cancel, 0.60): the name typed in the form was lost
    (rasa_addons/full_name.py gives a full name DIET's best reading that is not a way out)."""
    result = checks["engine"].command.result()
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["names"] == {
        "Phan Văn Hủy": "inform", "Mai Thị Thoát": "inform", "Hủy": "cancel", "Hủy Hồ Sơ": "cancel",
        "hồ sơ này hủy đi": "cancel", "Thôi Không Làm Nữa": "cancel"}
