"""Demo online applications (网上申报) in every state, for the demo county (issue 22).

:func:`seed_demo_online_applications` makes a few applicant accounts of its own (listed on /demo/ with the
hall's accounts) and drives applications through the real services: a draft (草稿), one waiting for
pre-review (网上申报), one sent back for 补正 (网上补正中), one resubmitted after 补正 (back in 预审),
one accepted (受理通知书 issued), one refused (不予受理通知书 issued), and a 网上代申办 by a village
代办员 with the villager's signature. Plain Python: the caller passes the app's workflow and issuer.
"""
from __future__ import annotations

import io
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases.idnumber import id_check_char
from govkit.cases.models import Case
from govkit.cases.outbox import drain, handlers_of
from govkit.cases.workflow import Actor, Workflow
from govkit.catalog.models import Implementation, ImplementationStatus
from govkit.desk.attachments import PendingFiles
from govkit.db import db
from govkit.desk.storage import FileStore
from govkit.online import apply as A
from govkit.online.models import Applicant
from govkit.orm import utcnow

#: (name, birth date + sequence, phone, the state the application is driven to).
APPLICANTS = (
    ("网申草稿", "19800101131", "13700000101", "draft"),
    ("网申待预审", "19810202141", "13700000102", "online"),
    ("网申补正", "19820303151", "13700000103", "online_supplement"),
    ("网申已补正", "19830404161", "13700000104", "resubmitted"),
    ("网申受理", "19840505171", "13700000105", "accepted"),
    ("网申不予受理", "19850606181", "13700000106", "refused"),
)
#: The 网上代申办 villager (no account) — applied for by the first village's 代办员.
VILLAGER = ("代申办村民", "19500707191")
NOTICES = {"accept": "acceptance_notice", "request_supplement_online": "supplement_notice",
           "refuse": "refusal_notice"}


def _id_number(county_code: str, born_seq: str) -> str:
    first17 = county_code[:6] + born_seq
    return first17 + id_check_char(first17)


def scan_png() -> bytes:
    """A small grey PNG standing for a photographed material (Pillow, as the desk's previews)."""
    from PIL import Image, ImageDraw  # deferred: Pillow is only needed when the demo is seeded

    image = Image.new("L", (320, 200), 235)
    ImageDraw.Draw(image).rectangle((16, 16, 304, 184), outline=60, width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _item(session: Session) -> Implementation | None:
    """The demo's 全程网办 item with the most materials at the county (a realistic pre-review)."""
    rows = session.scalars(select(Implementation).where(
        Implementation.status == ImplementationStatus.PUBLISHED.value, Implementation.online_mode == "全程网办",
        Implementation.proxy_allowed.is_(True)).order_by(Implementation.id)).all()
    return max(rows, key=lambda impl: (len(impl.materials), -impl.id), default=None)


def _fill(session: Session, pending: PendingFiles, application, png: bytes) -> None:
    for material in application.implementation.materials:
        if material.necessity == "必需":
            A.add_upload(session, pending, application, material.id, io.BytesIO(png), f"{material.name}.png")
    A.record_consent(application, agreed=True, id_number=application.applicant_id_number)


def seed_demo_online_applications(app: Any, county_code: str, actor_for: Callable[[str, str], Actor],
                                  village_code: str | None = None) -> dict[str, int]:
    """Seed the demo's online applications once (nothing when the first demo account exists); returns counts.

    ``actor_for(division code, role)`` gives the demo's staff actor (the receiving point's 受理员 decides the
    pre-reviews; ``village_code``'s 代办员 makes the 网上代申办).
    """
    from govkit.cases.runtime import workflow_for  # deferred: the app's workflow, only when seeding
    from govkit.desk import issuing  # deferred: issuing loads the print stack, only when seeding
    from govkit.state import get_state  # deferred: as above

    session = db.session
    workflow = workflow_for(app)
    state = get_state(app)
    store = FileStore(app.config["GOVKIT_STORAGE_DIR"], int(state.settings["UPLOAD_MAX_BYTES"]))
    issuer = issuing.issuer_for(state, workflow=workflow, store=store)
    impl = _item(session)
    if impl is None or session.scalar(select(Applicant.id).where(Applicant.phone == APPLICANTS[0][2])):
        return {}
    png = scan_png()
    pending = PendingFiles(issuer.store)
    receiving = impl.division.code
    clerk = actor_for(receiving, "受理员")
    agent = actor_for(village_code, "代办员") if village_code else None
    counts: dict[str, int] = {}
    rows = [m for m in impl.materials]
    for name, born_seq, phone, target in APPLICANTS:
        account = Applicant(kind="person", name=name, id_number=_id_number(county_code, born_seq), phone=phone,
                            phone_verified_at=utcnow())
        session.add(account)
        session.flush()
        owner = A.Owner(applicant=account)
        application = A.start(session, impl.id, owner)
        A.save_form(application, {})
        _fill(session, pending, application, png)
        session.commit()
        if target == "draft":
            counts[target] = counts.get(target, 0) + 1
            continue
        case = A.submit(session, workflow, application, owner)
        if target in ("online_supplement", "resubmitted", "accepted"):
            states = {m.id: "received" for m in rows}
            states[rows[-1].id] = "missing"
            _decide(session, workflow, issuer, case, clerk, "request_supplement_online", material_states=states)
        if target in ("resubmitted", "accepted"):
            A.add_upload(session, pending, application, rows[-1].id, io.BytesIO(png), f"{rows[-1].name}（补正）.png")
            session.commit()
            A.resubmit(session, workflow, application, owner)
        if target == "accepted":
            _decide(session, workflow, issuer, case, clerk, "accept", material_states={m.id: "received" for m in rows})
        if target == "refused":
            _decide(session, workflow, issuer, case, clerk, "refuse",
                    reason="申请人不属于本事项的服务对象（演示数据）。")
        counts[target] = counts.get(target, 0) + 1
    if agent is not None:
        owner = A.Owner(agent=agent)
        application = A.start(session, impl.id, owner, villager={
            "name": VILLAGER[0], "id_number": _id_number(county_code, VILLAGER[1]), "phone": "13700000199"})
        _fill(session, pending, application, png)
        application.consent_kind = "signature"
        application.consent_signature_sha256 = pending.save(io.BytesIO(png), "签名.png").sha256
        session.commit()
        A.submit(session, workflow, application, owner)
        counts["agent"] = 1
    # The demo runs no outbox relay: deliver the queued applicant messages once, so /demo/ lists them.
    state = get_state(app)
    drain(session, None, handlers=handlers_of(state.pm, state.settings))
    return counts


def _decide(session: Session, workflow: Workflow, issuer: Any, case: Case, clerk: Actor, action: str,
            **fields: Any) -> None:
    from govkit.desk import issuing  # deferred: issuing loads the print stack, only when seeding

    workflow.perform(session, case, action, clerk, **fields)
    issuing.issue_document(session, case, NOTICES[action], clerk, issuer)
    session.commit()
