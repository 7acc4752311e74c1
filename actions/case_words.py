"""The case a citizen already named in their question ("cấp lại căn cước bị mất"): the choice fields
it answers are filled when the form opens, instead of being asked again.

Strict on purpose, a wrong guess costs more than a question: a choice counts as named when its
words (or one of its "/" or "," alternatives, two syllables at least) appear in that order in the
question, or when the words that tell it from the field's other choices appear (two at least, all
of them or three in four; once two are said, the words of the procedure's title count as said:
"bị mất căn cước" names "Bị mất thẻ");
a field is filled only when exactly one of its choices is named. "Khác" is never guessed. The
summary before "Xác nhận nộp" shows every answer and lets the citizen correct it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from rasa_sdk import Tracker

from knowledge_base.normalise import syllables
from knowledge_base.schema import FormField, Procedure
from knowledge_base.variants import damaged, miswritten, wanted_variants

RECENT_MESSAGES = 3       # the request and the question(s) just before it
NEVER_GUESSED = {"khac"}


def recent_texts(tracker: Tracker, limit: int = RECENT_MESSAGES) -> list[str]:
    """The citizen's last typed messages (button payloads left out), newest last."""
    typed = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    return [text for text in typed if text and not text.startswith("/")][-limit:]


def _contains(words: list[str], phrase: list[str]) -> bool:
    return any(words[i:i + len(phrase)] == phrase for i in range(len(words) - len(phrase) + 1))


def _named(choice: str, others: list[str], words: list[str], implied: frozenset[str] = frozenset()) -> bool:
    own = syllables(choice)
    if not own or " ".join(own) in NEVER_GUESSED:
        return False
    alternatives = [syllables(part) for part in re.split(r"[/,]| hoặc ", choice)]
    if any(len(part) >= 2 and _contains(words, part) for part in [own, *alternatives]):
        return True
    shared = set.intersection(*(set(syllables(o)) for o in others)) if others else set()
    telling = set(own) - shared
    found = telling & set(words)
    if len(found) >= 2:   # "bị mất căn cước" names "Bị mất thẻ": the card is what the procedure is about
        found |= telling & implied
    # All of two telling words, or three in four of longer choices ("nhập vào nhà người thân").
    return len(found) >= 2 and (found == telling or (len(found) >= 3 and len(found) >= 0.75 * len(telling)))


def named_choice(field: FormField, words: list[str], implied: frozenset[str] = frozenset()) -> str | None:
    """The one choice of ``field`` the words name, else None; words in ``implied`` (the procedure's
    title) count as said once two telling words are."""
    named = [c for c in field.choices if _named(c, [o for o in field.choices if o != c], words, implied)]
    # "thông tin trên thẻ bị sai" names that reason whole and "Thay đổi thông tin" by three words in four.
    whole = [c for c in named if _contains(words, syllables(c))]
    return named[0] if len(named) == 1 else whole[0] if len(whole) == 1 else None


def inferred_case(procedure: Procedure, texts: Iterable[str],
                  applies: Callable[[FormField, dict[str, str]], bool]) -> dict[str, str]:
    """Choice fields answered by ``texts``, in the catalog's order; ``applies(field, answers)``
    says whether the answers so far leave the field to ask (the catalog's ``when``)."""
    said = " ".join(texts)
    words = syllables(said) + _case_words(procedure, said)
    implied = frozenset(syllables(procedure.title))
    answers: dict[str, str] = {}
    for field in procedure.form_fields:
        if field.type != "choice" or not applies(field, answers):
            continue
        choice = named_choice(field, words, implied)
        if choice is not None:
            answers[field.name] = choice
    return answers


def _case_words(procedure: Procedure, said: str) -> list[str]:
    """A damaged or miswritten paper ("thẻ bị rách", "bằng lái bị nhòe", "thẻ căn cước bị sai ngày
    sinh") in the words the form's choices use: "bị hư hỏng" or "bị sai", and the exchange ("Cấp
    đổi") or, where the form has none, the reissue ("Cấp lại do bị hỏng") — the variant the law
    gives such a paper (``knowledge_base.variants``)."""
    if damaged(said):
        case = ["bi", "hu", "hong"]
    elif miswritten(said):
        case = ["bi", "sai", "thong", "tin", "tren", "the"]
    else:
        return []
    wanted = wanted_variants(said)
    choices = [syllables(c) for f in procedure.form_fields if f.type == "choice" for c in f.choices]
    variant = next((syllables(v) for v in wanted if any(_contains(c, syllables(v)) for c in choices)), [])
    return [*case, *variant]
