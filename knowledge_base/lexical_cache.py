"""The lexical index and the accent restorer of a catalog, kept on disk between starts.

Building them reads every word of every record (about 10 s for the 5,305 national documents on a
2-core machine, most of a restart); loading them back takes under 2 s. The file's name is a digest
of the documents in order, the dictionary and the code that reads them, so any change to one of
those builds afresh. The file is written by this process only, next to the vector cache.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path

from knowledge_base.accents import AccentRestorer
from knowledge_base.documents import SearchDocument
from knowledge_base.lexical import LexicalIndex
from knowledge_base.normalise import Expander

# The modules whose code decides what the cached objects hold.
_READERS = ("lexical.py", "normalise.py", "accents.py", "acronyms.py", "index.py", "lexical_cache.py")
_PREFIX = "lexical-"

Built = tuple[LexicalIndex, AccentRestorer]


def digest(documents: Sequence[SearchDocument], expander: Expander) -> str:
    """What the cached index depends on: the documents in order, the dictionary, the code."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _READERS:
        h.update((here / name).read_bytes())
    h.update(repr(sorted(expander.entries())).encode())
    for d in documents:
        h.update(repr((d.id, d.kind, d.title, d.names, d.body, sorted(d.sections.items()))).encode())
    return h.hexdigest()[:24]


def load_or_build(cache_dir: Path | None, documents: Sequence[SearchDocument], expander: Expander,
                  build: Callable[[], Built]) -> Built:
    """The cached index for ``documents`` when ``cache_dir`` holds it, else ``build()``, saved."""
    if cache_dir is None:
        return build()
    path = cache_dir / f"{_PREFIX}{digest(documents, expander)}.pkl"
    try:
        with path.open("rb") as file:
            lexical, accents = pickle.load(file)
        if isinstance(lexical, LexicalIndex) and isinstance(accents, AccentRestorer) and len(lexical) == len(documents):
            lexical.use_expander(expander)
            return lexical, accents
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        pass   # none yet, torn or from other code: build afresh
    built = build()
    _save(path, built)
    return built


def _save(path: Path, built: Built) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as file:
            pickle.dump(built, file, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)   # replicas may build at once: one atomic rename wins
        for old in path.parent.glob(f"{_PREFIX}*.pkl"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass   # a read-only cache folder costs the next start its build, nothing else
