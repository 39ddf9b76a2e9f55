from datetime import date

import pytest

from counter_app.domain.codes import SequenceBlock, format_code, parse_code
from counter_app.domain.lifecycle import ALLOWED_MOVES, Channel, Status, check_move
from counter_app.errors import TransitionError, ValidationError


def test_status_numbers_mirror_the_portal() -> None:
    assert [s.portal_code for s in Status] == list(range(1, 11))
    assert Status.parse("9") is Status.RESOLVED
    assert Status.parse(" Returned ") is Status.RETURNED
    with pytest.raises(ValidationError):
        Status.parse("done")


def test_final_statuses_allow_no_move() -> None:
    finals = {s for s in Status if s.is_final}
    assert finals == {Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED}
    for status in finals:
        for target in Status:
            with pytest.raises(TransitionError):
                check_move(status, target, "lý do")


def test_allowed_moves_and_reasons() -> None:
    check_move(Status.RECEIVED, Status.PROCESSING, None)
    check_move(Status.RESOLVED, Status.RETURNED, None)
    with pytest.raises(TransitionError, match="lý do"):
        check_move(Status.PROCESSING, Status.SUPPLEMENT, "  ")
    with pytest.raises(TransitionError):
        check_move(Status.RECEIVED, Status.RETURNED, None)  # a result must exist first
    every_target = {t for targets in ALLOWED_MOVES.values() for t in targets}
    assert Status.SUBMITTED not in every_target  # nothing goes back to "submitted"


def test_channels_export_as_portal_codes() -> None:
    assert Channel.ASSISTED.portal_code == Channel.ONLINE.portal_code == 2
    assert Channel.DIRECT.portal_code == 1 and Channel.POSTAL.portal_code == 3
    assert Channel.ASSISTED.is_online and not Channel.POSTAL.is_online
    with pytest.raises(ValidationError):
        Channel.parse("fax")


@pytest.mark.parametrize(
    "code", ["000.17.22.H56-210531-0001", "000.00.14.H56-200203-0118", "H15.50.05.13-261008-0975"]
)
def test_codes_of_the_test_vectors_round_trip(code: str) -> None:
    parsed = parse_code(code)
    assert str(parsed) == code


def test_code_format_and_bad_codes() -> None:
    assert format_code("000.00.22.H56", date(2026, 3, 2), 7) == "000.00.22.H56-260302-0007"
    for bad in ("000.00.22.H56-260302-007", "X-261301-0001", "", "a b-260302-0001"):
        with pytest.raises(ValidationError):
            parse_code(bad)
    with pytest.raises(ValidationError):
        format_code("000.00.22.H56", date(2026, 3, 2), 10000)
    with pytest.raises(ValidationError):
        format_code("bad id", date(2026, 3, 2), 1)
    with pytest.raises(ValidationError):
        SequenceBlock(500, 100)
