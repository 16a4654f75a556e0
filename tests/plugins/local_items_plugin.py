"""Fake county plugin: two local service items (本地事项) for the catalog sync tests.

``EDITION`` lets a test simulate the county shipping a new version of its plugin.
"""
from decimal import Decimal

from govkit import hookimpl
from govkit.catalog.codes import uscc_check_char
from govkit.catalog.specs import (FeeSpec, ImplementationSpec, LegalBasisSpec, MaterialSpec,
                                  ServiceItemSpec, SpecialProcedureSpec, StepSpec)

EDITION = 1

_BODY = "11621099MB2468013"
COUNTY_CIVIL_AFFAIRS = _BODY + uscc_check_char(_BODY)  # 示范县民政局 (fictional)


def items(edition: int) -> list[ServiceItemSpec]:
    promised = 5 if edition == 1 else 3
    return [
        ServiceItemSpec(
            basic_code="LOCAL0001",
            name="高龄老人营养补贴申领",
            item_type="05",
            exercise_level=4,
            legal_bases=(LegalBasisSpec("示范县高龄老人营养补贴实施办法", "第五条", "年满八十周岁的本县户籍老人……"),),
            implementations=(ImplementationSpec(
                division_code="621099000000", department="示范县民政局",
                implementing_uscc=COUNTY_CIVIL_AFFAIRS, legal_days=10, promised_days=promised,
                materials=(MaterialSpec("居民身份证", form="复印件"), MaterialSpec("户口簿", form="复印件")),
                steps=(StepSpec("村级代办", 1), StepSpec("县民政局审核", 2)),
                special_procedures=(SpecialProcedureSpec("入户核查", days=2),),
            ),),
        ),
        ServiceItemSpec(
            basic_code="LOCAL0002",
            name="农村公益性公墓安葬证明",
            item_type="20",
            implementations=(ImplementationSpec(
                division_code="621099100000", department="示范镇人民政府",
                implementing_uscc=COUNTY_CIVIL_AFFAIRS, exercise_level=5, legal_days=5, promised_days=1,
                kind="承诺件", fees=(FeeSpec("墓穴管理费", Decimal("200"), "示范县发改局价格批复"),),
            ),),
        ),
    ]


@hookimpl
def register_service_items(settings):
    return items(EDITION)
