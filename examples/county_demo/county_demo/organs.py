"""The demo county's implementing organs (实施机关), configured as documents need them.

Every organ that implements a demo item gets its full name, a seal image, the 复议机关
(the county government for its departments and townships, the city government for the
county government itself) and the county court (行政诉讼法 §18: the court where the organ
sits), so the demo prints 决定书 and notices in the organ's name and seal.
"""
from __future__ import annotations

import math
from pathlib import Path

from sqlalchemy import select

from govkit.toolkit import Department, Division, Implementation, Organ


def draw_seal(path: Path) -> Path:
    """A round red seal with a five-pointed star (demo only: a real seal is the organ's scan)."""
    from PIL import Image, ImageDraw  # deferred: Pillow is only needed when the demo is seeded

    size = 400
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (204, 0, 0, 215)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=14)
    centre, outer, inner = size / 2, 70, 27
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    draw.polygon(points, fill=red)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def _full_name(county: Division, division: Division, department: Department | None, body: str | None) -> str:
    if body:
        return body
    if department is not None:
        return department.name if department.name.startswith(division.name) else division.name + department.name
    return division.name + "人民政府"


def seed_organs(session, folder: Path) -> int:
    """Configure every organ that implements a demo item; returns how many organs were configured."""
    county = session.scalar(select(Division).where(Division.level == 3, Division.code.like("6299%")))
    city = session.get(Division, county.parent_id) if county.parent_id else None
    seal = draw_seal(Path(folder) / "seals" / "demo-seal.png")
    rows = session.execute(select(Implementation.division_id, Implementation.department_id,
                                  Implementation.implementing_body)).all()
    done = set()
    for division_id, department_id, body in rows:
        if (division_id, department_id) in done:
            continue
        done.add((division_id, department_id))
        division = session.get(Division, division_id)
        department = session.get(Department, department_id) if department_id else None
        organ = session.scalar(select(Organ).where(Organ.division_id == division_id,
                                                   Organ.department_id.is_(None) if department_id is None
                                                   else Organ.department_id == department_id))
        if organ is None:
            organ = Organ(division_id=division_id, department_id=department_id)
            session.add(organ)
        organ.full_name = _full_name(county, division, department, body)
        own_government = department is None and division.id == county.id
        organ.review_body = f"{city.name}人民政府" if own_government and city else f"{county.name}人民政府"
        organ.court = f"{county.name}人民法院"
        organ.phone = (department.phone if department is not None and department.phone else None) \
            or f"0930-86{division.code[6:9]}{department_id or 0:02d}"[:14]
        organ.seal_image_path = str(seal)
    session.commit()
    return len(done)
