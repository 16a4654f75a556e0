"""Realistic print contexts and poppler helpers for the printing tests."""
from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from govkit.printing import (
    CaseNotice,
    GuideMaterial,
    ImplementationGuide,
    ProcedureStep,
    RegisterRange,
    RegisterRow,
    TransferBatch,
    TransferCase,
    default_registry,
)

PROGRESS_PAGE = "https://zwfw.example.gov.cn/public/progress"


def _require(tool: str) -> str:
    """Path of a poppler tool; fail under GOVKIT_REQUIRE_SERVICES=1, else skip."""
    path = shutil.which(tool)
    if path:
        return path
    message = f"{tool} (Debian package poppler-utils) is not installed"
    if os.environ.get("GOVKIT_REQUIRE_SERVICES") == "1":
        pytest.fail(message + " and GOVKIT_REQUIRE_SERVICES=1")
    pytest.skip(message)


class Poppler:
    """Thin wrapper over pdftotext / pdftoppm / pdfinfo."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.pdftotext = _require("pdftotext")
        self.pdftoppm = _require("pdftoppm")

    def _write(self, pdf: bytes, name: str = "doc") -> Path:
        path = self.tmp / f"{name}.pdf"
        path.write_bytes(pdf)
        return path

    def text(self, pdf: bytes, *, layout: bool = False) -> str:
        """All text; raises if pdftotext does not exit 0 (a broken PDF)."""
        args = [self.pdftotext, "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(self._write(pdf)), "-"]
        out = subprocess.run(args, capture_output=True, check=True, timeout=60)
        if b"Missing language pack" in out.stderr:
            # Not a defect of the notice: poppler lacks its CJK CMaps and reads every CID
            # (宋体) glyph as nothing. Say so instead of failing on empty text.
            pytest.fail("pdftotext cannot map the Adobe-GB1 font: install the Debian package "
                        "poppler-data (" + out.stderr.decode("utf-8", "replace").splitlines()[0] + ")")
        return out.stdout.decode("utf-8")

    def pages(self, pdf: bytes) -> list[str]:
        """Text per page (pdftotext separates pages with form feeds)."""
        return [p for p in self.text(pdf).split("\f") if p.strip()]

    def png(self, pdf: bytes, dest: Path, page: int = 1, dpi: int = 80) -> Path:
        """Render one page to ``dest`` (a .png path)."""
        stem = dest.with_suffix("")
        subprocess.run([self.pdftoppm, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                        "-singlefile", str(self._write(pdf)), str(stem)], check=True, timeout=60)
        return stem.with_suffix(".png")


@pytest.fixture
def poppler(tmp_path) -> Poppler:
    return Poppler(tmp_path)


@pytest.fixture
def registry():
    return default_registry()


@pytest.fixture
def case_notice() -> CaseNotice:
    """A village-desk application for 城乡居民最低生活保障 (basic living allowance)."""
    return CaseNotice(
        case_number="220581-20260302-000123",
        document_number="梅河口受字〔2026〕第 0123 号",
        applicant_name="王秀兰",
        applicant_id_masked="220581********2046",
        applicant_phone_masked="139****6021",
        item_name="城乡居民最低生活保障待遇审核确认",
        item_code="000105001000",
        implementation_code="11220581MB1234567X100010500100",
        issuing_body="梅河口市曙光镇人民政府",
        division_name="曙光镇红光村便民服务站",
        received_date=date(2026, 3, 2),
        accepted_date=date(2026, 3, 3),
        materials_received=[
            ("最低生活保障申请书", "原件", 1),
            ("居民身份证", "复印件", 1),
            ("户口簿", "复印件", 1),
            ("家庭收入及财产状况声明", "原件", 1),
            ("残疾人证", "复印件", 1),
        ],
        legal_days=30,
        promised_days=15,
        due_date=date(2026, 3, 24),
        contact_person="李敏",
        contact_phone="0435-4221234",
        progress_url=PROGRESS_PAGE,
        progress_token="Kx9f3Qm2",
        refusal_reason="申请人户籍不在本镇，不属于本机关受理范围，请向户籍所在地乡镇人民政府提出申请。",
        legal_basis="《社会救助暂行办法》第十一条",
        review_body="梅河口市人民政府",
        court="梅河口市人民法院",
        missing_materials=[
            ("家庭成员收入证明", "由工作单位或村民委员会出具，加盖公章，注明近6个月收入"),
            ("银行账户信息", "申请人本人名下一类银行账户，提供存折或银行卡复印件"),
        ],
        supplement_deadline=date(2026, 3, 13),
        decision="最低生活保障待遇审核确认决定书",
        result_number="梅民低保〔2026〕第 0456 号",
        delivery_method="代办员送达",
        delivery_receiver="王秀兰",
        delivery_place="曙光镇红光村便民服务站",
        delivery_date=date(2026, 3, 20),
    )


@pytest.fixture
def service_guide() -> ImplementationGuide:
    return ImplementationGuide(
        item_name="城乡居民最低生活保障待遇审核确认",
        item_code="000105001000",
        implementation_code="11220581MB1234567X100010500100",
        item_type="行政给付",
        implementing_body="梅河口市民政局",
        service_object="自然人",
        legal_basis=["《社会救助暂行办法》第九条至第十五条", "《吉林省最低生活保障办法》第十条"],
        conditions=["持有本地常住户口的居民", "家庭人均收入低于当地最低生活保障标准", "家庭财产符合规定"],
        materials=[
            GuideMaterial("最低生活保障申请书", "原件", 1, "必要", "申请人签字，内容完整"),
            GuideMaterial("居民身份证", "复印件", 1, "必要", "在有效期内"),
            GuideMaterial("户口簿", "复印件", 1, "必要", "含首页及本人页"),
            GuideMaterial("残疾人证", "复印件", 1, "符合情形时提供", "家庭成员有残疾的提供"),
        ],
        procedure=[
            ProcedureStep("受理", "村（社区）便民服务站代为受理，审查材料", "即时"),
            ProcedureStep("审核", "乡镇人民政府入户调查、民主评议、公示", "10个工作日"),
            ProcedureStep("确认", "县级民政部门审批确认", "5个工作日"),
            ProcedureStep("送达", "代办员送达办理结果", "1个工作日"),
        ],
        legal_days=30,
        promised_days=15,
        kind="承诺件",
        fees=[],
        place="梅河口市政务服务中心一楼民政窗口；各村（社区）便民服务站可代办",
        hours="周一至周五 8:30-11:30，13:30-17:00（法定节假日除外）",
        consultation_phone="0435-4221234",
        complaint_phone="12345",
        handling_forms=["窗口办理", "网上办理"],
        visits=0,
        proxy_allowed=True,
        result_name="最低生活保障金领取证",
        version="2026版",
        effective_from=date(2026, 1, 1),
    )


@pytest.fixture
def register_range() -> RegisterRange:
    start = date(2026, 3, 1)
    items = ["城乡居民最低生活保障待遇审核确认", "残疾人两项补贴给付", "城乡居民基本养老保险参保登记",
             "生育登记", "临时救助对象认定"]
    rows = [
        RegisterRow(
            case_number=f"220581-202603{(i % 28) + 1:02d}-{i:06d}",
            received_date=start + timedelta(days=i % 28),
            applicant_name=["王秀兰", "李建国", "张玉梅", "刘德华", "陈静"][i % 5],
            item_name=items[i % len(items)],
            status=["已受理", "补正", "已办结", "不予受理"][i % 4],
            due_date=start + timedelta(days=(i % 28) + 14),
            due_date_provisional=(i % 50 == 0),
            handler="李敏",
            applicant_id_masked="220581********2046",
        )
        for i in range(1, 201)
    ]
    return RegisterRange(division_name="曙光镇红光村便民服务站", start=start, end=date(2026, 3, 31),
                         rows=rows, issuing_body="曙光镇红光村便民服务站", printed_on=date(2026, 4, 1))


@pytest.fixture
def transfer_batch() -> TransferBatch:
    return TransferBatch(
        batch_number="JJ-220581102202-20260303-01",
        from_name="曙光镇红光村便民服务站",
        to_name="曙光镇便民服务中心",
        sent_on=date(2026, 3, 3),
        cases=[
            TransferCase("220581-20260302-000123", "王秀兰", "城乡居民最低生活保障待遇审核确认",
                         [("最低生活保障申请书", "原件", 1), ("家庭收入及财产状况声明", "原件", 1)]),
            TransferCase("220581-20260302-000124", "李建国", "残疾人两项补贴给付",
                         [("残疾人两项补贴申请审批表", "原件", 2)]),
        ],
        sender="赵晓东",
        receiver="孙丽",
    )
