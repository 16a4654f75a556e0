"""The 答复书/告知书 of a request, issued through the documents path
(:func:`govkit.desk.issuing.issue_organ_document`) in the request's organ's name.

Plain Python: the screens build a :class:`DeskLetterIssuer` with the app's print templates, file store and
settings; tests build one the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from sqlalchemy.orm import Session

from govkit.desk.issuing import issue_organ_document
from govkit.desk.storage import FileStore
from govkit.inforequest.models import InfoRequest
from govkit.inforequest.services import Issued, LetterIssuer
from govkit.orm import utcnow
from govkit.printing.context import Letter
from govkit.printing.kinds import INFO_REQUEST_KINDS
from govkit.printing.registry import TemplateRegistry


@dataclass
class DeskLetterIssuer(LetterIssuer):
    """Issues a request's letters in its organ's name (numbered, sealed, stored, verifiable)."""

    templates: TemplateRegistry
    store: FileStore
    settings: Any
    verify_url: str = ""
    now: Callable[[], Any] = utcnow

    def issue(self, session: Session, request: InfoRequest, kind: str, paragraphs: list[str], *, rights: bool,
              actor: Any, today: date) -> Issued:
        letter_kind = INFO_REQUEST_KINDS[kind]
        organ = request.organ

        def build(number: str) -> Letter:
            # Called once the organ is known complete: its full name, seal, 复议机关 and court are set.
            return Letter(title=letter_kind.title, addressee=f"{request.name}：", reference=request.number,
                          paragraphs=tuple(paragraphs), rights=rights, verify_url=self.verify_url,
                          document_number=number, issuing_body=organ.full_name.strip(), issued_on=today,
                          seal_image_path=organ.seal_image_path or "", review_body=organ.review_body.strip(),
                          court=organ.court.strip())

        copy = issue_organ_document(session, letter_kind, build, actor, organ=organ, templates=self.templates,
                                    store=self.store, settings=self.settings, today=today, now=self.now())
        return Issued(copy.document, copy.pdf)
