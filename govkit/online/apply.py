"""Online application (网上申报) and 网上代申办: drafts, uploads, consent, submission and 网上补正. No Flask.

行政许可法第二十九条 lets an applicant apply by letter, telegram, fax, electronic data exchange and e-mail;
第三十三条 asks organs to accept applications online. The application uses the item's own form (the
``item_application_form`` hook, as at the desk), the implementation's materials list with uploads checked
and stored like the desk's scans (:class:`govkit.desk.storage.FileStore`), and a consent/declaration step.
The draft is kept server-side, so it survives closing the browser. Submitting registers the case at the
implementing organ's receiving point in 网上申报 (预审); the §32 five-working-day clock runs from submission
(:func:`govkit.cases.registration.register_online_case`). A 一次性告知 (``request_supplement_online``) names
rows as 缺; the applicant uploads exactly those rows and :func:`resubmit` sends the case back to 预审.

Who may reach an application: its applicant account, or — for a 代申办 — the 代办员's village (the
terminal's unit). Anyone else gets :class:`~govkit.errors.OutOfScope` (shown as 404, nothing learnt).
"""
from __future__ import annotations

from typing import Any, BinaryIO, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from govkit.cases import intake, states
from govkit.cases.idnumber import mask_id_number, validate_id_number
from govkit.cases.intake_actions import APPLICANT
from govkit.cases.models import Attachment, Case
from govkit.cases.workflow import Actor, Workflow
from govkit.catalog.models import ONLINE_APPLY_MODES, Implementation, ImplementationStatus
from govkit.desk.attachments import PendingFiles
from govkit.errors import InvalidTransition, OutOfScope, UploadRejected, ValidationError
from govkit.hierarchy.codes import level_of
from govkit.hierarchy.scope import Scope
from govkit.online.apply_models import (CONSENT_DECLARATION, CONSENT_LABELS, CONSENT_SIGNATURE, DRAFT,
                                        STAGE_APPLICATION, STAGE_SUPPLEMENT, SUBMITTED, OnlineApplication,
                                        OnlineUpload)
from govkit.orm import utcnow

AGENT = "代办员"
VILLAGE_LEVEL = 5
#: The declaration the applicant (or the villager, at the terminal) agrees to (申请人声明).
DECLARATION = ("本人承诺所填写的申请信息和上传的材料真实、完整、有效，如有虚假愿承担相应的法律责任"
               "（《中华人民共和国行政许可法》第三十一条）；同意受理单位通过网上办事大厅和短信向本人送达"
               "受理、补正、不予受理等通知和文书。")
#: The villager's authorisation of the 代办员 (网上代申办).
AGENT_DECLARATION = "本人委托村代办员代为网上申报，并已核对上述内容。"


# -- who may reach an application ----------------------------------------------------------------------


class Owner:
    """Who is acting on an application: an applicant account, or a 代办员 at the village terminal."""

    def __init__(self, *, applicant: Any = None, agent: Actor | None = None) -> None:
        if (applicant is None) == (agent is None):
            raise ValueError("an owner is an applicant or a 代办员")
        self.applicant, self.agent = applicant, agent

    def owns(self, application: OnlineApplication) -> bool:
        if self.applicant is not None:
            return application.applicant_id == self.applicant.id and application.agent_user_id is None
        return (application.agent_user_id is not None and self.agent.division_code is not None
                and application.agent_division_code == self.agent.division_code)

    def clause(self) -> Any:
        if self.applicant is not None:
            return (OnlineApplication.applicant_id == self.applicant.id) & OnlineApplication.agent_user_id.is_(None)
        return OnlineApplication.agent_division_code == self.agent.division_code


def check_agent(actor: Actor) -> None:
    """网上代申办 is for a village 代办员 (role 代办员 with a village unit)."""
    if AGENT not in actor.roles or not actor.division_code or level_of(actor.division_code) != VILLAGE_LEVEL:
        raise OutOfScope("网上代申办须由村（社区）便民服务站的代办员办理。")


def get_application(session: Session, owner: Owner, application_id: int) -> OnlineApplication:
    """The application if ``owner`` may reach it, else OutOfScope (404: nobody learns it exists)."""
    application = session.get(OnlineApplication, application_id)
    if application is None or not owner.owns(application):
        raise OutOfScope("申请不存在或您无权查看。")
    return application


def applications_of(session: Session, owner: Owner) -> list[OnlineApplication]:
    return list(session.scalars(select(OnlineApplication).where(owner.clause())
                                .order_by(OnlineApplication.updated_at.desc(), OnlineApplication.id.desc())))


def online_items(session: Session) -> list[Implementation]:
    """Published implementations that accept online applications (全程网办 / 网上申报+窗口核验)."""
    return list(session.scalars(select(Implementation).where(
        Implementation.status == ImplementationStatus.PUBLISHED.value,
        Implementation.online_mode.in_(ONLINE_APPLY_MODES)).order_by(Implementation.name, Implementation.id)))


def applicant_actor(application: OnlineApplication, case: Case, agent: Actor | None = None) -> Actor:
    """The workflow actor of the applicant's own steps (网上补正): role 申请人, scoped to the receiving point.

    At the terminal the 代办员 acts for the villager: the event names both and keeps the 代办员's account.
    """
    roles = frozenset({APPLICANT})
    name = f"申请人 {application.applicant_name}"
    if agent is not None:
        name = f"代办员 {agent.name}（代申请人 {application.applicant_name}）"
    return Actor(agent.user_id if agent else None, name, roles,
                 Scope.for_division(case.accepting_division_code, None, roles))


# -- drafts ---------------------------------------------------------------------------------------------


def start(session: Session, implementation_id: int, owner: Owner, *, villager: dict[str, Any] | None = None
          ) -> OnlineApplication:
    """The owner's open draft of this item, or a new one (an applicant has one draft per item)."""
    implementation = session.get(Implementation, implementation_id)
    if (implementation is None or implementation.status != ImplementationStatus.PUBLISHED.value
            or not implementation.online_apply):
        raise OutOfScope("该事项不存在或不开放网上申报。")
    if owner.agent is not None and not implementation.proxy_allowed:
        raise ValidationError(f"事项“{implementation.name}”不可代办，请申请人本人申报。")
    if owner.applicant is not None:
        existing = session.scalar(select(OnlineApplication).where(
            owner.clause(), OnlineApplication.implementation_id == implementation.id,
            OnlineApplication.status == DRAFT).order_by(OnlineApplication.id.desc()).limit(1))
        if existing is not None:
            return existing
        applicant = owner.applicant
        application = OnlineApplication(
            applicant_id=applicant.id, implementation=implementation, applicant_name=applicant.name,
            applicant_id_type=applicant.id_type, applicant_id_number=applicant.id_number,
            applicant_phone=applicant.phone)
    else:
        check_agent(owner.agent)
        villager = villager or {}
        name = (villager.get("name") or "").strip()
        if not name:
            raise ValidationError("请填写申请人（村民）姓名。")
        number = validate_id_number((villager.get("id_number") or "").strip())
        agent = owner.agent
        application = OnlineApplication(
            implementation=implementation, applicant_name=name, applicant_id_number=number,
            applicant_phone=(villager.get("phone") or "").strip() or None,
            applicant_address=(villager.get("address") or "").strip() or None,
            agent_user_id=agent.user_id, agent_name=agent.name, agent_division_code=agent.division_code)
    session.add(application)
    session.flush()
    return application


def _editable(application: OnlineApplication) -> None:
    if not application.is_draft:
        raise InvalidTransition("申请已提交，不能再修改申请表和材料；如需补正，请按一次性告知书上传。")


def save_form(application: OnlineApplication, data: dict[str, Any]) -> None:
    """Keep what was typed (checked in full on submission: a draft may be incomplete)."""
    _editable(application)
    application.form_data = {str(k): v for k, v in data.items()}
    application.updated_at = utcnow()


def required_rows(application: OnlineApplication) -> list[Any]:
    """The implementation's materials (rows of the list), in order."""
    return list(application.implementation.materials)


def missing_rows(session: Session, application: OnlineApplication) -> list[Any]:
    """The rows the 一次性告知 named as 缺 (case rows), while the case waits for 网上补正."""
    case = _case(session, application)
    if case is None or case.state != states.ONLINE_SUPPLEMENT:
        return []
    return intake.missing_rows(case.materials)


def _case(session: Session, application: OnlineApplication) -> Case | None:
    return session.get(Case, application.case_id) if application.case_id else None


def add_upload(session: Session, pending: PendingFiles, application: OnlineApplication, material_id: int,
               stream: BinaryIO, filename: str | None) -> OnlineUpload:
    """Validate and store one file for a material row (the desk's content checks: PDF/JPEG/PNG/TIFF).

    On a draft any row of the list; once submitted only a row the 一次性告知 named, while 网上补正中.
    """
    rows = {m.id: m for m in required_rows(application)}
    if material_id not in rows:
        raise UploadRejected("所选材料不属于本事项的材料清单，请重新选择。")
    stage = STAGE_APPLICATION
    if not application.is_draft:
        missing = {row.material_id for row in missing_rows(session, application)}
        if material_id not in missing:
            raise UploadRejected("只能上传一次性告知书列明需补正的材料。")
        stage = STAGE_SUPPLEMENT
    stored = pending.save(stream, filename)
    upload = OnlineUpload(application=application, material_id=material_id, stage=stage, sha256=stored.sha256,
                          filename=stored.filename, content_type=stored.content_type, size=stored.size)
    session.add(upload)
    application.updated_at = utcnow()
    session.flush()
    return upload


def remove_upload(session: Session, application: OnlineApplication, upload_id: int) -> None:
    """Take back a file not yet sent (a draft's, or a 补正 file before resubmitting)."""
    upload = next((u for u in application.uploads if u.id == upload_id), None)
    if upload is None:
        raise OutOfScope("文件不存在或您无权查看。")
    if upload.attachment_id is not None:
        raise InvalidTransition("该文件已随申请提交，不能删除。")
    session.delete(upload)
    application.updated_at = utcnow()
    session.flush()


def record_consent(application: OnlineApplication, *, agreed: bool, id_number: str | None = None,
                   signature_sha256: str | None = None) -> None:
    """The consent/declaration step (申请人声明): ticked, with the ID number typed again — or, at the
    terminal, the villager's signature image instead of the number."""
    _editable(application)
    if not agreed:
        raise ValidationError("请阅读并勾选申请人声明。")
    if signature_sha256:
        application.consent_kind = CONSENT_SIGNATURE
        application.consent_signature_sha256 = signature_sha256
    else:
        typed = (id_number or "").strip().upper()
        if typed != (application.applicant_id_number or "").upper():
            raise ValidationError("输入的证件号码与申请人证件号码不一致，请核对后重新输入。", field="id_number")
        application.consent_kind = CONSENT_DECLARATION
        application.consent_signature_sha256 = None
    application.consent_text = DECLARATION + (AGENT_DECLARATION if application.by_agent else "")
    application.consent_at = utcnow()


def clear_consent(application: OnlineApplication) -> None:
    application.consent_kind = application.consent_at = application.consent_text = None
    application.consent_signature_sha256 = None


def uploads_by_row(application: OnlineApplication, stage: str | None = None) -> dict[int, list[OnlineUpload]]:
    rows: dict[int, list[OnlineUpload]] = {}
    for upload in application.uploads:
        if stage is None or upload.stage == stage:
            rows.setdefault(upload.material_id, []).append(upload)
    return rows


def problems(application: OnlineApplication) -> list[str]:
    """What still keeps the draft from being submitted (empty when it may be)."""
    left = []
    have = uploads_by_row(application)
    for material in required_rows(application):
        if material.necessity == "必需" and not have.get(material.id):
            left.append(f"请上传“{material.name}”")
    if application.consent_at is None:
        left.append("请完成申请人声明")
    return left


def _attach(session: Session, case: Case, uploads: Iterable[OnlineUpload], user_id: int | None) -> None:
    for upload in uploads:
        attachment = Attachment(case_id=case.id, material_id=upload.material_id, sha256=upload.sha256,
                                filename=upload.filename, content_type=upload.content_type, size=upload.size,
                                uploaded_by_id=user_id)
        session.add(attachment)
        session.flush()
        upload.attachment_id = attachment.id


def submit(session: Session, workflow: Workflow, application: OnlineApplication, owner: Owner) -> Case:
    """提交: check the form (the item's WTForms form), the 必需 uploads and the consent; register the case
    in 网上申报 at the implementing organ's receiving point; the uploads become its attachments."""
    _editable(application)
    left = problems(application)
    if left:
        raise ValidationError("还不能提交：" + "；".join(left) + "。")
    implementation = application.implementation
    agent = owner.agent
    if agent is not None:
        check_agent(agent)
        actor = agent
        how = CONSENT_LABELS.get(application.consent_kind or "", "")
        comment = (f"网上代申办：{agent.name}（代办员）在村便民服务站网上办事终端代申请人提交；"
                   f"申请人已{how}（{mask_id_number(application.applicant_id_number)}）")
    else:
        roles = frozenset({APPLICANT})
        actor = Actor(None, f"申请人 {application.applicant_name}", roles,
                      Scope.for_division(implementation.division.code, None, roles))
        comment = "申请人通过网上办事大厅提交"
    case = workflow.register_online(
        session, implementation, actor=actor, commit=False, comment=comment,
        agent_name=agent.name if agent else None, agent_user_id=agent.user_id if agent else None,
        applicant_name=application.applicant_name, applicant_id_type=application.applicant_id_type,
        applicant_id_number=application.applicant_id_number, applicant_phone=application.applicant_phone,
        applicant_address=application.applicant_address,
        applicant_village_code=agent.division_code if agent else None,
        form_data=application.form_data)
    if application.applicant_id is not None and hasattr(case, "applicant_account_id"):
        case.applicant_account_id = application.applicant_id
    session.flush()
    _attach(session, case, application.uploads, agent.user_id if agent else None)
    application.case_id = case.id
    application.status = SUBMITTED
    application.submitted_at = workflow.now()
    session.commit()
    return case


def resubmit(session: Session, workflow: Workflow, application: OnlineApplication, owner: Owner) -> Case:
    """网上补正: every row the 一次性告知 named has a new file; they become attachments and the case
    returns to 预审 (``resubmit_online``)."""
    case = _case(session, application)
    if case is None or case.state != states.ONLINE_SUPPLEMENT:
        raise InvalidTransition("该申请当前不需要补正。")
    pending = [u for u in application.uploads if u.stage == STAGE_SUPPLEMENT and u.attachment_id is None]
    have = {u.material_id for u in pending}
    lacking = [row.material.name for row in intake.missing_rows(case.materials) if row.material_id not in have]
    if lacking:
        raise ValidationError("请先上传一次性告知书列明的全部材料：" + "、".join(lacking) + "。")
    _attach(session, case, pending, owner.agent.user_id if owner.agent else None)
    workflow.perform(session, case, "resubmit_online", applicant_actor(application, case, owner.agent))
    return case


def submitted_cases(session: Session, applications: Iterable[OnlineApplication]) -> dict[int, Case]:
    ids = [a.case_id for a in applications if a.case_id]
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(ids)))}


def application_of_case(session: Session, case_id: int) -> OnlineApplication | None:
    return session.scalar(select(OnlineApplication).where(OnlineApplication.case_id == case_id))


__all__ = ["Owner", "DECLARATION", "get_application", "start", "save_form", "add_upload", "remove_upload",
           "record_consent", "submit", "resubmit", "problems", "online_items", "application_of_case", "DRAFT",
           "SUBMITTED", "STAGE_APPLICATION", "STAGE_SUPPLEMENT", "CONSENT_DECLARATION", "CONSENT_SIGNATURE"]
