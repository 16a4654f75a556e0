"""Build the printing context of a service guide (办事指南) from a catalog implementation."""
from __future__ import annotations

from govkit.catalog.models import Implementation
from govkit.printing.context import Fee, GuideMaterial, ImplementationGuide, ProcedureStep


def guide_context(impl: Implementation, guide_url: str = ""):
    """An ``ImplementationGuide`` for the ``service_guide`` print template."""
    item = impl.item
    return ImplementationGuide(
        item_name=impl.name or item.name,
        item_code=item.basic_code,
        implementing_body=(impl.department.name if impl.department else impl.division.name),
        implementation_code=impl.code,
        item_type=item.item_type_name,
        service_object=item.service_object,
        legal_basis=[str(b) + (f"：{b.text}" if b.text else "") for b in item.legal_bases],
        conditions=[line.strip() for line in (impl.conditions or "").splitlines() if line.strip()],
        materials=[GuideMaterial(m.name, m.form, m.copies, m.necessity, m.acceptance_standard or "")
                   for m in impl.materials],
        procedure=[ProcedureStep(s.name, s.description or "", f"{s.days}个工作日" if s.days else "即时")
                   for s in impl.steps],
        legal_days=impl.legal_days,
        promised_days=impl.promised_days,
        kind=impl.kind,
        fees=[] if impl.free else [Fee(f.name, f"{f.amount:.2f}元", f.basis) for f in impl.fees],
        place=impl.place or "",
        hours=impl.hours or "",
        consultation_phone=impl.consult_phone or "",
        complaint_phone=impl.complaint_phone or "",
        handling_forms=[p for p in (impl.handling_forms or "").replace("，", ",").split(",") if p.strip()],
        online_mode=impl.online_mode,
        visits=impl.visits_needed,
        proxy_allowed=impl.proxy_allowed,
        applicant_must_be_present=impl.presence_required,
        version=str(impl.version),
        effective_from=impl.effective_from,
        guide_url=guide_url,
    )
