"""govkit's built-in print templates, registered first by the built-in plugin."""
from __future__ import annotations

from govkit.printing.registry import PrintTemplate
from govkit.printing.templates.case_notices import (
    render_acceptance_notice,
    render_delivery_receipt,
    render_refusal_notice,
    render_supplement_notice,
)
from govkit.printing.templates.decisions import (
    render_decision_deny,
    render_decision_grant,
    render_extension_notice,
    render_special_procedure_notice,
)
from govkit.printing.templates.letters import render_foi_letter
from govkit.printing.templates.registers import render_intake_register, render_transfer_list
from govkit.printing.templates.service_guide import render_service_guide
from govkit.printing.templates.supervision_notice import render_supervision_notice, render_supervision_report

_SOURCE = "govkit"

BUILTIN_TEMPLATES: tuple[PrintTemplate, ...] = (
    PrintTemplate(name="acceptance_notice", title="受理通知书", subject="case",
                  render=render_acceptance_notice, source=_SOURCE,
                  description="申请材料齐全、符合法定形式，决定受理；列明已收材料和承诺办结日期。"),
    PrintTemplate(name="refusal_notice", title="不予受理通知书", subject="case",
                  render=render_refusal_notice, source=_SOURCE,
                  description="不予受理的理由、法律依据及行政复议、行政诉讼权利。"),
    PrintTemplate(name="supplement_notice", title="一次性告知书", subject="case",
                  render=render_supplement_notice, source=_SOURCE,
                  description="一次性列明全部需补正的材料、要求和补正期限。"),
    PrintTemplate(name="delivery_receipt", title="送达回证", subject="case",
                  render=render_delivery_receipt, source=_SOURCE,
                  description="办理结果送达申请人时由受送达人签收。"),
    PrintTemplate(name="decision_grant", title="准予决定书", subject="case",
                  render=render_decision_grant, source=_SOURCE,
                  description="准予行政许可/予以确认/给付/办结的决定，含理由、法律依据和救济权利（行政许可法第三十八条）。"),
    PrintTemplate(name="decision_deny", title="不予决定书", subject="case",
                  render=render_decision_deny, source=_SOURCE,
                  description="不予许可/确认/给付的决定，须写明理由、法律依据和复议、诉讼权利（行政许可法第三十八条）。"),
    PrintTemplate(name="extension_notice", title="延期通知书", subject="case",
                  render=render_extension_notice, source=_SOURCE,
                  description="延长办理期限的理由、批准人和延长后的办结日期（行政许可法第四十二条）。"),
    PrintTemplate(name="special_procedure_notice", title="特别程序告知书", subject="case",
                  render=render_special_procedure_notice, source=_SOURCE,
                  description="听证、检验、专家评审等特别程序及其预计时间，所需时间不计入办理时限（行政许可法第四十五条）。"),
    PrintTemplate(name="service_guide", title="办事指南", subject="implementation",
                  render=render_service_guide, source=_SOURCE,
                  description="事项实施清单的完整办事指南。"),
    PrintTemplate(name="intake_register", title="办件登记簿", subject="range",
                  render=render_intake_register, source=_SOURCE,
                  description="一个区划在某一期间登记的全部办件。"),
    PrintTemplate(name="transfer_list", title="纸质资料交接单", subject="batch",
                  render=render_transfer_list, source=_SOURCE,
                  description="纸质原件逐级移交时双方签字的交接清单。"),
    PrintTemplate(name="foi_letter", title="政府信息公开申请答复书", subject="request",
                  render=render_foi_letter, source=_SOURCE,
                  description="依申请公开的答复书、补正告知书和延期告知书（政府信息公开条例第三十条、第三十三条、"
                              "第三十六条、第三十七条），含复议、诉讼权利。"),
    PrintTemplate(name="supervision_notice", title="督办通知书", subject="supervision",
                  render=render_supervision_notice, source=_SOURCE,
                  description="监察机构就办件、投诉、差评整改或单位发出的督办单，写明事由和回复期限（工作日）。"),
    PrintTemplate(name="supervision_report", title="电子监察月报", subject="supervision",
                  render=render_supervision_report, source=_SOURCE,
                  description="一个县或乡镇一个月的办件量、办结率、好差评、投诉、督办、差评整改和人员绩效排名。"),
)
