"""The database draft store and the attachment look-ups the document step uses (real SQLite)."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from actions.attachments_lookup import AttachmentLookup
from actions.documents import handle_document, pending_document
from bot.conversation.senders import split_sender
from bot.dossiers.draft_store import SqlDraftStore
from bot.dossiers.drafts import FormDraft
from knowledge_base.service import KnowledgeBase
from tests.support.records import stored_attachment
from tests.support.waiting import run_async


def test_drafts_are_kept_per_channel_and_sender_and_survive_a_new_store(sessions: sessionmaker) -> None:
    store = SqlDraftStore(sessions)
    web = FormDraft("web:a", "tam-tru", {"full_name": "Lê Hoàng Nam"}, {"stay_from": "01/12/2026"},
                    documents={"after": 3, "items": [{"name": "Tờ khai", "ids": [4], "skipped": False}]})
    run_async(store.save(web))
    run_async(store.save(FormDraft("zalo:a", "khai-sinh", {"full_name": "Trần Thị B"}, {})))
    run_async(store.save(FormDraft("web:a", "tam-tru", {"full_name": "Lê Hoàng Nam", "cccd": "001090123456"},
                                   web.fields, documents=web.documents)))
    kept = run_async(SqlDraftStore(sessions).load("web:a"))
    assert kept is not None and kept.applicant["cccd"] == "001090123456" and kept.documents == web.documents
    assert run_async(store.load("zalo:a")).procedure_id == "khai-sinh"  # type: ignore[union-attr]
    run_async(store.discard("web:a"))
    assert run_async(store.load("web:a")) is None and run_async(store.load("zalo:a")) is not None


def test_only_the_citizens_own_unused_files_are_found(sessions: sessionmaker) -> None:
    mine = [stored_attachment(sessions, "web", "citizen-1") for _ in range(3)]
    theirs = stored_attachment(sessions, "web", "someone-else")
    lookup = AttachmentLookup(sessions)
    assert split_sender("telegram:42") == ("telegram", "42")
    assert run_async(lookup.owned("web:citizen-1", [mine[0], theirs])) == [mine[0]]
    assert run_async(lookup.newest_unused("web:citizen-1", [mine[1]], after=mine[0])) == [mine[2]]
    assert run_async(lookup.last_id("web:citizen-1")) == mine[2]
    assert run_async(lookup.last_id("web:nobody")) == 0


def test_the_checklist_is_walked_in_order(kb: KnowledgeBase) -> None:
    procedure = kb.procedure("tam-tru")
    assert procedure is not None
    state = {"after": 0, "items": []}
    assert pending_document(procedure, state) == procedure.documents[0]
    first = handle_document(procedure, state, [7])
    assert first["document_item"] is None and pending_document(procedure, first["submission_documents"]).name \
        == procedure.documents[1].name  # type: ignore[union-attr]
    second = handle_document(procedure, first["submission_documents"], [8])
    assert second["document_item"] == "done"
    assert [i["ids"] for i in second["submission_documents"]["items"]] == [[7], [8]]
