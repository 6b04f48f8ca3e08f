"""Each metric against figures worked out by hand (the arithmetic is in the comments)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from humantouch.feedback import metrics as m

D0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def day(n: float) -> datetime:
    return D0 + timedelta(days=n)


def test_nps_with_interval() -> None:
    # 10 answers: promoters 10,9,9,10 (4); passives 8,7 (2); detractors 6,3,0,5 (4)
    # NPS = 40% - 40% = 0. Var = p + d - (p-d)^2 = 0.4 + 0.4 - 0 = 0.8; se = sqrt(0.8/10) = 0.28284
    # 1.96 * 0.28284 = 0.55437 -> [-55.4, 55.4]
    r = m.nps([10, 9, 9, 8, 7, 6, 3, 0, 10, 5])
    assert r is not None
    assert (r.n, r.promoters, r.passives, r.detractors) == (10, 4, 2, 4)
    assert r.value == pytest.approx(0.0)
    assert r.low == pytest.approx(-55.44, abs=0.01) and r.high == pytest.approx(55.44, abs=0.01)


def test_nps_interval_is_cut_at_100() -> None:
    # [10,10,10,9,8,2]: p = 4/6, d = 1/6, mean = 0.5 -> NPS 50
    # Var = 5/6 - 0.25 = 0.58333; se = sqrt(0.58333/6) = 0.31180; 1.96 * se = 0.61113
    # -> [50 - 61.1, 50 + 61.1] = [-11.1, 111.1], cut to [-11.1, 100]
    r = m.nps([10, 10, 10, 9, 8, 2])
    assert r is not None
    assert r.value == pytest.approx(50.0)
    assert r.low == pytest.approx(-11.11, abs=0.01)
    assert r.high == 100.0
    assert r.to_dict()["value"] == 50.0


def test_empty_inputs_are_none_not_zero() -> None:
    assert m.nps([]) is None
    assert m.csat([]) is None
    assert m.ces([]) is None
    assert m.response_rate(0, 0) is None
    assert m.percentile([], 50) is None
    assert m.cost_per_contact(0, 0, 1.0, 2.0) is None
    assert m.sentiment_change([]) is None
    assert m.first_contact_resolution([]) is None


def test_scales_are_checked() -> None:
    with pytest.raises(ValueError):
        m.nps([11])
    with pytest.raises(ValueError):
        m.csat([0])
    with pytest.raises(ValueError):
        m.ces([8])
    with pytest.raises(ValueError):
        m.rate(3, 2)


def test_csat_ces_and_response_rate() -> None:
    # CSAT [5,4,3,2,5]: satisfied (4-5) are 5,4,5 = 3 of 5 = 0.6
    assert m.csat([5, 4, 3, 2, 5]) == pytest.approx(0.6)
    # CES [7,6,2]: (7 + 6 + 2) / 3 = 5.0
    assert m.ces([7, 6, 2]) == pytest.approx(5.0)
    # 30 answered of 120 sent = 0.25
    assert m.response_rate(30, 120) == pytest.approx(0.25)
    assert m.reopen_rate(1, 8) == pytest.approx(0.125)
    assert m.automation_rate(3, 12) == pytest.approx(0.25)


SPANS = [
    m.ContactSpan("c1", "order_status", day(0), day(1)),  # s1: c1 back on order_status on day 5: not FCR
    m.ContactSpan("c1", "order_status", day(5), day(6)),  # s2: nothing after: FCR
    m.ContactSpan("c2", "refund_status", day(0), day(0.5)),  # s3: c2 back on day 2, other intent: FCR
    m.ContactSpan("c2", "complaint", day(2), None),  # s4: never resolved: not counted
    m.ContactSpan("c3", "login_problem", day(0), day(1)),  # s5: back on day 9 (8 days later): FCR
    m.ContactSpan("c3", "login_problem", day(9), None),
]


def test_first_contact_resolution() -> None:
    # resolved: s1 (no), s2 (yes), s3 (yes), s5 (yes) -> 3/4
    assert m.first_contact_resolution(SPANS) == pytest.approx(0.75)


def test_containment_held() -> None:
    bots = [
        m.BotResolution(SPANS[2], True),  # says yes, but c2 came back on day 2 (any intent): not held
        m.BotResolution(SPANS[1], True),  # yes and no new contact: held
        m.BotResolution(SPANS[4], None),  # no answer: left out
        m.BotResolution(SPANS[0], False),  # says no: not held
    ]
    # held 1 of 3 answered
    assert m.containment_held(bots, SPANS) == pytest.approx(1 / 3)


def test_percentiles_interpolate_between_ranks() -> None:
    # [1,2,3,4]: p50 rank 0.5*3 = 1.5 -> 2 + 0.5*(3-2) = 2.5; p90 rank 2.7 -> 3 + 0.7*(4-3) = 3.7
    assert m.percentile([4, 1, 3, 2], 50) == pytest.approx(2.5)
    assert m.percentile([4, 1, 3, 2], 90) == pytest.approx(3.7)
    assert m.percentile([7], 90) == 7


def test_sla_hit_rate() -> None:
    now = day(10)
    due = day(0) + timedelta(minutes=90)
    items = [
        (day(0) + timedelta(minutes=60), due),  # answered in time: hit
        (day(0) + timedelta(minutes=120), due),  # late: miss
        (None, day(11)),  # unanswered, not yet due: left out
        (None, day(9)),  # unanswered and past due: miss
    ]
    # 1 hit of 3 counted
    assert m.sla_hit_rate(items, now) == pytest.approx(1 / 3)


def test_cost_and_sentiment_change() -> None:
    # 3 bot contacts at 0.50 and 1 human at 6.00: (1.50 + 6.00) / 4 = 1.875
    assert m.cost_per_contact(3, 1, 0.5, 6.0) == pytest.approx(1.875)
    # (0.1 - -0.5) = 0.6 and (0.0 - 0.2) = -0.2 -> mean 0.2
    assert m.sentiment_change([(-0.5, 0.1), (0.2, 0.0)]) == pytest.approx(0.2)


def test_nps_difference_z_test() -> None:
    # a = [10,10,10,0]: p .75, d .25, mean .5, var = 1 - .25 = .75 (NPS 50)
    # b = [10,0,0,0]:   p .25, d .75, mean -.5, var = .75 (NPS -50)
    # se = sqrt(.75/4 + .75/4) = 0.61237; z = 1 / 0.61237 = 1.63299; two-sided p = 0.1025 (normal table)
    c = m.nps_difference([10, 10, 10, 0], [10, 0, 0, 0])
    assert c.difference == pytest.approx(100.0)
    assert c.p_value == pytest.approx(0.1025, abs=0.0005)
    assert m.nps_difference([], [10]).p_value is None


def test_two_proportion_z_test() -> None:
    # 45/50 = .9 vs 30/50 = .6; pooled 75/100 = .75; se = sqrt(.75 * .25 * (1/50 + 1/50)) = 0.086603
    # z = .3 / 0.086603 = 3.4641; two-sided p = 0.00053
    c = m.two_proportions(45, 50, 30, 50)
    assert c.difference == pytest.approx(0.3)
    assert c.p_value == pytest.approx(0.000532, abs=0.00001)
    assert m.two_proportions(5, 5, 5, 5).p_value == 1.0


def test_welch_t_test() -> None:
    # a = 1..5: mean 3, var 2.5, var/n = .5;  b = 2,4,..,10: mean 6, var 10, var/n = 2
    # t = -3 / sqrt(2.5) = -1.8974; df = 2.5^2 / (.5^2/4 + 2^2/4) = 6.25 / 1.0625 = 5.882
    # two-sided p from the t table at df 5.88: 0.1075
    c = m.welch([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert c.difference == pytest.approx(-3.0)
    assert c.p_value == pytest.approx(0.1075, abs=0.0005)
    assert m.welch([1], [2, 3]).p_value is None
