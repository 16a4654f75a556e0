"""Paper transfer batches: bundle, send hop by hop, sign for, overdue query, scope."""
from datetime import date

import pytest

from govkit.cases.calendar import WorkingCalendar
from govkit.desk import transfers
from govkit.desk.models import TransferStatus
from govkit.errors import InvalidTransition, OutOfScope, PermissionDenied, ValidationError
from govkit.hierarchy.scope import Scope

from .conftest import COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE, make_case

pytestmark = pytest.mark.both_backends

CAL = WorkingCalendar()


def test_batch_travels_village_to_county_with_a_receipt_per_hop(db, world):
    s = db.session
    clerk, town, county = Scope.for_division(VILLAGE), Scope.for_division(TOWNSHIP), Scope.for_division(COUNTY)
    c1, c2 = make_case(s, world), make_case(s, world)
    batch = transfers.create_batch(s, clerk, destination_code=COUNTY, case_ids=[c1.id, c2.id], user_id=None,
                                   sheets={c1.id: 4})
    assert batch.status == TransferStatus.DRAFT and batch.number.startswith("JJ" + VILLAGE)
    assert [i.sheets for i in batch.items] == [4, 1]

    with pytest.raises(PermissionDenied):
        transfers.send(s, town, batch, user_id=None, user_name="乡", today=date(2026, 3, 2))
    hop = transfers.send(s, clerk, batch, user_id=None, user_name="村代办员", today=date(2026, 3, 2), carrier="李四")
    assert (hop.from_code, hop.to_code, batch.status) == (VILLAGE, TOWNSHIP, TransferStatus.IN_TRANSIT)
    assert transfers.batches_to_sign(s, town) == [batch]
    assert transfers.batches_to_sign(s, county) == []

    with pytest.raises(PermissionDenied):  # the county cannot sign for the township's hop
        transfers.sign_for(s, county, batch, user_id=None, user_name="县", today=date(2026, 3, 3))
    transfers.sign_for(s, town, batch, user_id=None, user_name="乡镇收件人", today=date(2026, 3, 3))
    assert batch.status == TransferStatus.AWAITING
    with pytest.raises(InvalidTransition):
        transfers.sign_for(s, town, batch, user_id=None, user_name="乡镇收件人", today=date(2026, 3, 3))

    hop2 = transfers.send(s, town, batch, user_id=None, user_name="乡镇收件人", today=date(2026, 3, 4))
    assert (hop2.seq, hop2.from_code, hop2.to_code) == (2, TOWNSHIP, COUNTY)
    transfers.sign_for(s, county, batch, user_id=None, user_name="县收件人", today=date(2026, 3, 5), note="齐全")
    assert batch.status == TransferStatus.RECEIVED
    assert [h.received_by_name for h in batch.hops] == ["乡镇收件人", "县收件人"]


def test_a_case_travels_in_one_open_batch(db, world):
    s = db.session
    clerk = Scope.for_division(VILLAGE)
    c1 = make_case(s, world)
    transfers.create_batch(s, clerk, destination_code=TOWNSHIP, case_ids=[c1.id], user_id=None)
    with pytest.raises(ValidationError, match="已在交接批次"):
        transfers.create_batch(s, clerk, destination_code=TOWNSHIP, case_ids=[c1.id], user_id=None)


def test_batch_rules(db, world):
    s = db.session
    clerk = Scope.for_division(VILLAGE)
    other = make_case(s, world, village=OTHER_VILLAGE)
    with pytest.raises(OutOfScope):
        transfers.create_batch(s, clerk, destination_code=TOWNSHIP, case_ids=[other.id], user_id=None)
    with pytest.raises(ValidationError, match="上级"):
        transfers.create_batch(s, clerk, destination_code=OTHER_VILLAGE, case_ids=[other.id], user_id=None)
    with pytest.raises(ValidationError, match="至少"):
        transfers.create_batch(s, clerk, destination_code=TOWNSHIP, case_ids=[], user_id=None)


def test_overdue_counts_working_days(db, world):
    s = db.session
    clerk, town = Scope.for_division(VILLAGE), Scope.for_division(TOWNSHIP)
    batch = transfers.create_batch(s, clerk, destination_code=TOWNSHIP, case_ids=[make_case(s, world).id],
                                   user_id=None)
    # Sent Thursday 2026-09-24. Fri 25 is 中秋 (holiday), then Mon 28, Tue 29, Wed 30 are working
    # days 1-3, 10-01..10-07 is the National Day holiday, Thu 10-08 is working day 4.
    transfers.send(s, clerk, batch, user_id=None, user_name="村", today=date(2026, 9, 24))
    assert transfers.overdue_batches(s, town, CAL, date(2026, 9, 30), 3) == []   # exactly 3: not yet
    assert transfers.overdue_batches(s, town, CAL, date(2026, 10, 7), 3) == []   # still 3 (holiday)
    assert transfers.overdue_batches(s, town, CAL, date(2026, 10, 8), 3) == [batch]
    assert transfers.overdue_batches(s, Scope.for_division(OTHER_VILLAGE), CAL, date(2026, 10, 8), 3) == []
    transfers.sign_for(s, town, batch, user_id=None, user_name="乡", today=date(2026, 10, 8))
    assert transfers.overdue_batches(s, town, CAL, date(2026, 10, 30), 3) == []


def test_overdue_cutoff():
    # From Thu 2026-10-08 back: 10-08, 09-30, 09-29 are 3 working days; 09-28 is the 4th,
    # so anything last moved on or before Sun 09-27 is more than 3 working days old.
    assert transfers.overdue_cutoff(CAL, date(2026, 10, 8), 3) == date(2026, 9, 27)
    assert CAL.working_days_between(date(2026, 9, 27), date(2026, 10, 8)) == 4
    assert CAL.working_days_between(date(2026, 9, 28), date(2026, 10, 8)) == 3
