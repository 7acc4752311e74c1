"""Every custom action, wired with the services it needs (``build_actions``); the gateway's action
endpoint (``actions.endpoint``) serves them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rasa_sdk import Action

from bot.dossiers.drafts import DraftStore
from knowledge_base.service import KnowledgeBase

if TYPE_CHECKING:
    from sqlalchemy.orm import sessionmaker

    from bot.dossiers.backend import DossierBackend
    from bot.handoff.service import HandoffService
    from bot.payments.service import PaymentService


def build_actions(kb: KnowledgeBase, drafts: DraftStore | None = None,
                  dossiers: DossierBackend | None = None, sessions: sessionmaker | None = None,
                  payments: PaymentService | None = None, handoff: HandoffService | None = None) -> list[Action]:
    """Every custom action; ``drafts`` keeps cancelled/collected forms (in memory by default);
    ``dossiers`` is the gateway's dossier backend (tracking, filing); ``sessions`` reads the files
    citizens sent (``actions.attachments_lookup``). One ``TrackingService`` is made here, so its
    throttle is shared by every conversation of this gateway process. ``payments`` makes payment
    orders (``actions.payment``); ``handoff`` puts conversations in a person's queue."""
    from actions.answers import ActionAnswerDetail, ActionAnswerQuestion, ActionChooseItem, KnowledgeAction
    from actions.attachments_lookup import AttachmentLookup
    from actions.documents import (
        ActionAskDocumentItem,
        ActionCorrectField,
        ActionFileDossier,
        ActionReceiveDocument,
        ActionReviewSubmission,
        ValidateDocumentsForm,
    )
    from actions.fallback import ActionAnythingElse, ActionFallback, ActionInformOutOfContext, ActionOutOfScope
    from actions.forms import CitizenFormValidation
    from actions.handoff import (
        ActionAskRating,
        ActionOfferHuman,
        ActionStoreCallback,
        ActionStoreRating,
        ActionStoreRatingComment,
        ValidateCallbackForm,
    )
    from actions.payment import ActionCreatePayment, ActionOfferPayment
    from actions.resume import (
        ActionAnswerInForm,
        ActionGoBack,
        ActionGreet,
        ActionLeaveForm,
        ActionRestartSubmission,
        ActionResumeDraft,
        ActionShowMenu,
    )
    from actions.submission import (
        ActionAskCaseField,
        ActionAskProcedureField,
        ActionCancelSubmission,
        ActionStartSubmission,
        ActionSubmissionCollected,
        ValidateSubmissionForm,
    )
    from actions.tracking import ActionCancelTracking, ActionTrackDossier, ValidateTrackingForm
    from bot.dossiers.drafts import InMemoryDraftStore
    from bot.dossiers.tracking import TrackingService
    from bot.insights.recorder import Insights

    drafts = drafts if drafts is not None else InMemoryDraftStore()
    tracking = TrackingService(dossiers) if dossiers is not None else None
    lookup = AttachmentLookup(sessions) if sessions is not None else None
    actions: list[Action] = [ActionAnswerQuestion(kb), ActionChooseItem(kb), ActionAnswerDetail(kb),
            ActionFallback(kb, handoff, sessions), ActionOutOfScope(kb), ActionInformOutOfContext(kb),
            ActionAnythingElse(kb),
            ActionStartSubmission(kb, drafts),
            ActionOfferHuman(kb, handoff, sessions), ValidateCallbackForm(), ActionStoreCallback(kb, handoff, sessions),
            ActionStoreRating(kb, handoff, sessions), ActionStoreRatingComment(kb, handoff, sessions),
            ActionAskRating(kb, handoff, sessions),
            ValidateSubmissionForm(kb, drafts), ActionAskProcedureField(kb),
            ActionCancelSubmission(kb, drafts), ActionSubmissionCollected(kb, drafts, lookup),
            ValidateTrackingForm(tracking), ActionTrackDossier(kb, tracking), ActionCancelTracking(),
            ValidateDocumentsForm(kb, lookup, drafts), ActionAskDocumentItem(kb), ActionReviewSubmission(kb, drafts),
            ActionCorrectField(kb), ActionFileDossier(kb, drafts, dossiers),
            ActionReceiveDocument(kb, dossiers, lookup), ActionGreet(kb, drafts), ActionResumeDraft(kb, drafts),
            ActionRestartSubmission(kb, drafts), ActionOfferPayment(kb, payments),
            ActionCreatePayment(kb, payments), ActionAskCaseField(kb), ActionLeaveForm(kb, drafts),
            ActionShowMenu(kb, drafts), ActionGoBack(kb), ActionAnswerInForm(kb)]
    insights = Insights(sessions)
    for action in actions:
        if isinstance(action, KnowledgeAction):
            action.insights = insights
        if isinstance(action, CitizenFormValidation) and action.kb is None:
            action.kb = kb   # questions typed mid-form are answered from the catalog
    return actions
