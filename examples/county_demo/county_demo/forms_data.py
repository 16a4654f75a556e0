"""Plausible application-form data for the items whose plugins ask for a form."""
from __future__ import annotations

import random

DIBAO, TEKUN, LINSHI, GAOLING, CANJI = ("000705015000", "000705016000", "000705017000", "000705018000",
                                        "000705019000")
WATER, ECOMMERCE = "SFX000000001", "SFX000000002"


def _bank(name: str, rng: random.Random) -> dict[str, str]:
    return {"bank_name": rng.choice(("示范县农村信用合作联社", "中国农业银行示范县支行", "中国邮政储蓄银行示范县支行")),
            "account_number": "6228" + "".join(str(rng.randrange(10)) for _ in range(15)), "account_holder": name}


def _household(name: str, id_number: str, rng: random.Random) -> dict[str, str]:
    income = rng.choice((0, 150, 300, 420))
    return {"household_members": f"{name}，本人，{id_number}，{income}", "monthly_income": str(income),
            "housing": rng.choice(("自有住房", "借住", "租房")), "vehicles": "0",
            "deposits": str(rng.choice((0, 800, 2000)))}


def sample(item_code: str, name: str, id_number: str, rng: random.Random) -> dict[str, str] | None:
    """Form data for ``item_code`` (None when the item has no form of ours)."""
    if item_code == DIBAO:
        return {**_household(name, id_number, rng), **_bank(name, rng), "reason": "年老体弱，家庭无稳定收入来源。"}
    if item_code == TEKUN:
        return {**_household(name, id_number, rng), **_bank(name, rng), "support_mode": "分散供养",
                "self_care": "部分自理"}
    if item_code == LINSHI:
        return {**_bank(name, rng), "hardship": rng.choice(("急难型", "支出型")),
                "description": rng.choice(("家中失火，房屋部分损毁。", "家庭成员突发重病住院，医疗支出较大。")),
                "amount_requested": str(rng.choice((1000, 2000, 3000)))}
    if item_code == GAOLING:
        birth = id_number[6:14]
        return {**_bank(name, rng), "birth_date": f"{birth[:4]}-{birth[4:6]}-{birth[6:]}", "living_with": ""}
    if item_code == CANJI:
        return {**_bank(name, rng), "disability_card": id_number + rng.choice(("41", "42", "43")),
                "disability_kind": "肢体", "disability_grade": rng.choice(("一级", "二级")), "subsidy": "两项补贴"}
    if item_code == WATER:
        return {"household_size": str(rng.randint(2, 6)), "water_source": "自备水井",
                "pipe_length": str(rng.randint(20, 300)), "estimated_cost": str(rng.randint(800, 4000))}
    if item_code == ECOMMERCE:
        return {"shop_name": "示范县山货小铺", "platform": "拼多多", "products": "花椒、核桃",
                "annual_sales": str(rng.randint(20000, 300000))}
    return None
