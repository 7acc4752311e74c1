"""The lexical index is kept on disk between starts, and built afresh when anything it reads changes."""

from __future__ import annotations

from pathlib import Path

from knowledge_base import lexical_cache
from knowledge_base.accents import AccentRestorer
from knowledge_base.documents import SearchDocument
from knowledge_base.lexical import LexicalIndex
from knowledge_base.normalise import Expander, default_expander

DOCUMENTS = [SearchDocument(str(i), "procedure", t, [t], "Hộ tịch") for i, t in enumerate(
    ("Đăng ký khai sinh", "Cấp bản sao trích lục hộ tịch", "Đăng ký kết hôn"))]


class CountingBuild:
    def __init__(self, documents: list[SearchDocument], expander: Expander) -> None:
        self.documents, self.expander, self.calls = documents, expander, 0

    def __call__(self) -> tuple[LexicalIndex, AccentRestorer]:
        self.calls += 1
        return LexicalIndex(self.documents, self.expander), AccentRestorer(d.title for d in self.documents)


def test_a_restart_with_the_same_catalog_loads_the_index_instead_of_building_it(tmp_path: Path) -> None:
    first = CountingBuild(DOCUMENTS, default_expander())
    built, _ = lexical_cache.load_or_build(tmp_path, DOCUMENTS, default_expander(), first)
    again = CountingBuild(DOCUMENTS, default_expander())
    loaded, accents = lexical_cache.load_or_build(tmp_path, DOCUMENTS, default_expander(), again)
    assert (first.calls, again.calls) == (1, 0)
    question = "lam giay khai sinh"
    assert list(loaded.scores(question)) == list(built.scores(question))
    assert accents.restore("dang ky ket hon") == "đăng ký kết hôn"


def test_a_changed_record_or_dictionary_builds_afresh_and_drops_the_old_file(tmp_path: Path) -> None:
    lexical_cache.load_or_build(tmp_path, DOCUMENTS, default_expander(), CountingBuild(DOCUMENTS, default_expander()))
    changed = [*DOCUMENTS[:2], SearchDocument("2", "procedure", "Đăng ký lại kết hôn", ["Đăng ký lại kết hôn"], "")]
    rebuild = CountingBuild(changed, default_expander())
    lexical_cache.load_or_build(tmp_path, changed, default_expander(), rebuild)
    other_dictionary = Expander(replace={}, expand={"ks": "khai sinh"})
    again = CountingBuild(changed, other_dictionary)
    lexical_cache.load_or_build(tmp_path, changed, other_dictionary, again)
    assert (rebuild.calls, again.calls) == (1, 1)
    assert len(list(tmp_path.glob("lexical-*.pkl"))) == 1


def test_a_torn_cache_file_is_built_again_without_failing_the_start(tmp_path: Path) -> None:
    lexical_cache.load_or_build(tmp_path, DOCUMENTS, default_expander(), CountingBuild(DOCUMENTS, default_expander()))
    for path in tmp_path.glob("lexical-*.pkl"):
        path.write_bytes(path.read_bytes()[:100])
    again = CountingBuild(DOCUMENTS, default_expander())
    index, _ = lexical_cache.load_or_build(tmp_path, DOCUMENTS, default_expander(), again)
    assert again.calls == 1 and len(index) == 3
