"""Real ``rasa_sdk`` trackers for unit tests of the custom actions: no trained model, no Rasa server.

``make_tracker`` builds the tracker Rasa would send to the action server after a citizen's message:
the text, intent and entities, every slot of ``domain.yml`` (its initial value unless given), the
active loop and the events so far. For a form's validator, ``candidates`` are the values Rasa
extracted from the message: they become ``slot`` events after the user's message (and the slots'
values), which is where rasa_sdk's ``slots_to_validate`` finds them.

``run`` awaits ``action.run(dispatcher, tracker, domain)`` with a real ``CollectingDispatcher`` and
returns ``(messages, events)``; ``Result`` also reads them as a citizen would (``texts`` renders an
``utter_…`` response from domain.yml) and as Rasa would (``slots``, ``followup``).
"""

from __future__ import annotations

import copy
import functools
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from tests.support.paths import ROOT
from tests.support.waiting import run_async

if TYPE_CHECKING:
    from sqlalchemy.orm import sessionmaker

DOMAIN_FILE = ROOT / "domain.yml"
SENDER = "web:citizen-1"


@functools.cache
def _domain() -> dict[str, Any]:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))


def domain() -> dict[str, Any]:
    """domain.yml as a dict (read once; each caller gets its own copy)."""
    return copy.deepcopy(_domain())


def initial_slots() -> dict[str, Any]:
    """Every slot of the domain at its initial value, as Rasa sends them (``requested_slot`` too)."""
    slots = {name: (spec or {}).get("initial_value") for name, spec in _domain()["slots"].items()}
    return {**slots, "requested_slot": None}


def entity_list(entities: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """``{"procedure_id": "can-cuoc"}`` or a list of Rasa entity dicts → Rasa entity dicts."""
    if entities is None:
        return []
    if isinstance(entities, Mapping):
        return [{"entity": name, "value": value} for name, value in entities.items()]
    return [dict(e) for e in entities]


def user_event(text: str, intent: str | None = None,
               entities: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """A ``user`` event as it appears in a tracker's events (a past message, for ``history``)."""
    found = entity_list(entities)
    return {"event": "user", "timestamp": time.time(), "text": text,
            "parse_data": {"text": text, "intent": {"name": intent, "confidence": 1.0} if intent else {},
                           "entities": found}}


def bot_event(text: str) -> dict[str, Any]:
    return {"event": "bot", "timestamp": time.time(), "text": text, "data": {}}


def make_tracker(text: str = "", *, intent: str | None = None,
                 entities: Mapping[str, Any] | Iterable[Mapping[str, Any]] | None = None,
                 slots: Mapping[str, Any] | None = None, active_loop: str | None = None,
                 history: Iterable[Mapping[str, Any]] = (), candidates: Mapping[str, Any] | None = None,
                 sender: str = SENDER) -> Tracker:
    """The tracker after the citizen sent ``text``: ``history`` are the events before that message,
    ``slots`` the values already set, ``candidates`` the slot values a form extracted from it."""
    found = entity_list(entities)
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0} if intent else {}, "entities": found}
    events: list[dict[str, Any]] = [dict(e) for e in history]
    events.append(user_event(text, intent, found))
    events += [SlotSet(name, value) for name, value in (candidates or {}).items()]
    values = {**initial_slots(), **(slots or {}), **(candidates or {})}
    loop = {"name": active_loop} if active_loop else {}
    return Tracker(sender, values, latest, events, False, None, loop, "action_listen")


def said(message: Mapping[str, Any]) -> str:
    """The text a citizen reads: the message's own text, or its ``utter_…`` response's first variant."""
    if message.get("text"):
        return str(message["text"])
    response = message.get("response")
    if response:
        variants = _domain()["responses"].get(response) or [{}]
        return str(variants[0].get("text") or "")
    return ""


def buttons(message: Mapping[str, Any]) -> list[dict[str, str]]:
    """The message's buttons, or those of its ``utter_…`` response (``{{`` of domain.yml undone)."""
    if message.get("buttons"):
        return [dict(b) for b in message["buttons"]]
    response = message.get("response")
    if response:
        variants = _domain()["responses"].get(response) or [{}]
        return [{"title": b["title"], "payload": b["payload"].replace("{{", "{").replace("}}", "}")}
                for b in variants[0].get("buttons") or []]
    return []


class Result(NamedTuple):
    """What an action did: the messages sent (``dispatcher.messages``) and the events returned."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]

    @property
    def texts(self) -> list[str]:
        return [said(m) for m in self.messages]

    @property
    def text(self) -> str:
        """Every message's text, one after another (for "somewhere in the reply" checks)."""
        return "\n\n".join(self.texts)

    @property
    def slots(self) -> dict[str, Any]:
        """The slots set, each with the last value set."""
        return {e["name"]: e.get("value") for e in self.events if e.get("event") == "slot"}

    @property
    def followup(self) -> str | None:
        return next((e["name"] for e in self.events if e.get("event") == "followup"), None)

    def buttons(self, index: int = -1) -> list[dict[str, str]]:
        return buttons(self.messages[index]) if self.messages else []

    def titles(self, index: int = -1) -> list[str]:
        return [b["title"] for b in self.buttons(index)]

    def payload(self, title: str, index: int = -1) -> str:
        """The payload of the button titled ``title`` (fails when there is none)."""
        found = [b["payload"] for b in self.buttons(index) if b["title"] == title]
        assert len(found) == 1, f"{len(found)} buttons titled {title!r} among {self.titles(index)}"
        return found[0]


def run(action: Action, tracker: Tracker, domain_dict: dict[str, Any] | None = None) -> Result:
    """``await action.run(dispatcher, tracker, domain)`` with a real ``CollectingDispatcher``."""
    dispatcher = CollectingDispatcher()
    events = run_async(action.run(dispatcher, tracker, domain_dict if domain_dict is not None else domain()))
    return Result(dispatcher.messages, [dict(e) for e in events or []])


def draft_store() -> Any:
    """The gateway's default draft store (in memory), as ``build_actions`` makes it."""
    from bot.dossiers.drafts import InMemoryDraftStore

    return InMemoryDraftStore()


def sqlite_sessions(path: Path) -> sessionmaker:
    """A scratch SQLite database at ``path`` with the whole schema (the project's own helper)."""
    from bot.core.db import make_engine, make_sessionmaker
    from bot.schema import create_schema

    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    return make_sessionmaker(engine)
