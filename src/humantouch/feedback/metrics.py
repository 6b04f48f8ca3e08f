"""The contact-centre figures as pure functions of plain values: no database, no clock.

Every function returns None where there is no data to compute from, never 0 or NaN, so a
report can say "no data" instead of a figure that looks like a measurement. Rates are
fractions (0..1); NPS is in points (-100..100), as it is usually quoted. docs/feedback.md
gives each definition with its formula; tests/feedback/test_metrics.py checks each one
against figures worked out by hand.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal distribution
FCR_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Nps:
    value: float
    low: float
    high: float
    n: int
    promoters: int
    passives: int
    detractors: int

    def to_dict(self) -> dict[str, float | int]:
        return {
            "value": round(self.value, 1),
            "low": round(self.low, 1),
            "high": round(self.high, 1),
            "n": self.n,
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
        }


def nps_class(score: int) -> int:
    """+1 for a promoter (9-10), 0 for a passive (7-8), -1 for a detractor (0-6)."""
    if not 0 <= score <= 10:
        raise ValueError(f"an NPS score is 0..10, not {score}")
    return 1 if score >= 9 else 0 if score >= 7 else -1


def nps(scores: Iterable[int]) -> Nps | None:
    """NPS = % promoters - % detractors, with a 95% confidence interval.

    Method: each answer is a value x in {+1, 0, -1}; NPS is 100 * mean(x). Its variance is
    Var(x) = p + d - (p - d)^2 (p, d: the promoter and detractor shares), the standard error
    sqrt(Var(x) / n), and the interval 100 * (mean +- 1.96 * se) by the normal approximation,
    cut to [-100, 100]. With fewer than about 30 answers the interval is only a rough guide.
    """
    classes = [nps_class(s) for s in scores]
    n = len(classes)
    if n == 0:
        return None
    promoters = classes.count(1)
    detractors = classes.count(-1)
    p, d = promoters / n, detractors / n
    mean = p - d
    se = math.sqrt(max(p + d - mean * mean, 0.0) / n)
    return Nps(
        value=100 * mean,
        low=max(-100.0, 100 * (mean - Z95 * se)),
        high=min(100.0, 100 * (mean + Z95 * se)),
        n=n,
        promoters=promoters,
        passives=n - promoters - detractors,
        detractors=detractors,
    )


def csat(scores: Iterable[int]) -> float | None:
    """Share of satisfied answers: 4 or 5 on the 1-5 scale."""
    values = list(scores)
    for s in values:
        if not 1 <= s <= 5:
            raise ValueError(f"a CSAT score is 1..5, not {s}")
    return rate(sum(1 for s in values if s >= 4), len(values))


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    return sum(items) / len(items) if items else None


def ces(scores: Iterable[int]) -> float | None:
    """Mean customer effort score on the 1-7 scale (7: very easy)."""
    values = list(scores)
    for s in values:
        if not 1 <= s <= 7:
            raise ValueError(f"a CES score is 1..7, not {s}")
    return mean(values)


def rate(part: int, whole: int) -> float | None:
    if part < 0 or part > whole:
        raise ValueError(f"a rate needs 0 <= part <= whole, got {part}/{whole}")
    return part / whole if whole else None


def response_rate(answered: int, sent: int) -> float | None:
    return rate(answered, sent)


@dataclass(frozen=True, slots=True)
class ContactSpan:
    """One conversation as the repeat-contact metrics see it."""

    customer_id: str
    intent: str | None
    started_at: datetime
    resolved_at: datetime | None  # None: never resolved


def first_contact_resolution(
    spans: Sequence[ContactSpan], later: Sequence[ContactSpan] | None = None, window: timedelta = FCR_WINDOW
) -> float | None:
    """Share of resolved conversations after which the customer did not come back on the same
    intent within `window` (7 days) of the resolution. `later` are the conversations to look for
    a return in (default: `spans` itself), e.g. also those after the reporting period or on
    other channels."""
    resolved = [s for s in spans if s.resolved_at is not None]
    index = _by_customer(later if later is not None else spans)
    held = sum(1 for s in resolved if not _came_back(s, index, window, same_intent=True))
    return rate(held, len(resolved))


def _by_customer(spans: Sequence[ContactSpan]) -> dict[str, list[ContactSpan]]:
    index: dict[str, list[ContactSpan]] = {}
    for s in spans:
        index.setdefault(s.customer_id, []).append(s)
    return index


def _came_back(span: ContactSpan, index: dict[str, list[ContactSpan]], window: timedelta, *, same_intent: bool) -> bool:
    assert span.resolved_at is not None
    end = span.resolved_at + window
    return any(
        (not same_intent or other.intent == span.intent)
        and span.started_at < other.started_at
        and span.resolved_at <= other.started_at <= end
        for other in index.get(span.customer_id, ())
    )


def reopen_rate(reopened: int, resolved: int) -> float | None:
    """Share of resolved conversations in which the customer wrote again after the resolution."""
    return rate(reopened, resolved)


def automation_rate(resolved_without_person: int, conversations: int) -> float | None:
    """Share of all conversations resolved without any person taking part."""
    return rate(resolved_without_person, conversations)


@dataclass(frozen=True, slots=True)
class BotResolution:
    span: ContactSpan
    says_resolved: bool | None  # the survey's "is your question resolved?"; None: not answered


def containment_held(items: Sequence[BotResolution], spans: Sequence[ContactSpan]) -> float | None:
    """Of the bot-resolved conversations whose customer answered "resolved?", the share where the
    customer said yes and made no new contact (any intent) within 7 days."""
    answered = [b for b in items if b.says_resolved is not None and b.span.resolved_at is not None]
    index = _by_customer(spans)
    held = sum(1 for b in answered if b.says_resolved and not _came_back(b.span, index, FCR_WINDOW, same_intent=False))
    return rate(held, len(answered))


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between the nearest ranks
    (numpy's default method): rank r = q/100 * (n - 1)."""
    if not 0 <= q <= 100:
        raise ValueError(f"a percentile is 0..100, not {q}")
    items = sorted(values)
    if not items:
        return None
    r = q / 100 * (len(items) - 1)
    low = math.floor(r)
    high = min(low + 1, len(items) - 1)
    return items[low] + (items[high] - items[low]) * (r - low)


def sla_hit_rate(items: Iterable[tuple[datetime | None, datetime]], now: datetime) -> float | None:
    """Share of (first response, due) pairs answered by the due time. A conversation still
    unanswered counts as a miss once it is past due, and is left out while it is not."""
    hits = misses = 0
    for responded, due in items:
        if responded is not None:
            if responded <= due:
                hits += 1
            else:
                misses += 1
        elif now > due:
            misses += 1
    return rate(hits, hits + misses)


def cost_per_contact(bot_contacts: int, human_contacts: int, bot_cost: float, human_cost: float) -> float | None:
    """(bot contacts x cost of a bot contact + human contacts x cost of a human contact) / all contacts."""
    total = bot_contacts + human_contacts
    if total == 0:
        return None
    return (bot_contacts * bot_cost + human_contacts * human_cost) / total


def sentiment_change(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Mean of (last - first) customer sentiment score (-1..1) over conversations with two or
    more customer messages; positive means customers ended happier than they began."""
    return mean(last - first for first, last in pairs)


# --- two segments: is the difference more than chance? ---


@dataclass(frozen=True, slots=True)
class Comparison:
    a: float | None
    b: float | None
    difference: float | None  # a - b
    p_value: float | None
    n_a: int
    n_b: int

    def to_dict(self) -> dict[str, float | int | None]:
        def r(x: float | None, digits: int) -> float | None:
            return None if x is None else round(x, digits)

        return {
            "a": r(self.a, 4),
            "b": r(self.b, 4),
            "difference": r(self.difference, 4),
            "p_value": r(self.p_value, 6),
            "n_a": self.n_a,
            "n_b": self.n_b,
        }


def _two_sided_normal_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def nps_difference(a: Sequence[int], b: Sequence[int]) -> Comparison:
    """NPS of a minus NPS of b, in points, with a two-sided z-test on the means of the
    +1/0/-1 scores (each side's variance as in `nps`); large-sample, unpooled."""
    ra, rb = nps(a), nps(b)
    if ra is None or rb is None:
        return Comparison(ra.value if ra else None, rb.value if rb else None, None, None, len(a), len(b))
    ma, mb = ra.value / 100, rb.value / 100
    va = (ra.promoters + ra.detractors) / ra.n - ma * ma
    vb = (rb.promoters + rb.detractors) / rb.n - mb * mb
    se = math.sqrt(va / ra.n + vb / rb.n)
    p = (1.0 if ma == mb else 0.0) if se == 0 else _two_sided_normal_p((ma - mb) / se)
    return Comparison(ra.value, rb.value, ra.value - rb.value, p, ra.n, rb.n)


def two_proportions(k_a: int, n_a: int, k_b: int, n_b: int) -> Comparison:
    """Proportion k_a/n_a minus k_b/n_b with the pooled two-proportion z-test (two-sided)."""
    pa, pb = rate(k_a, n_a), rate(k_b, n_b)
    if pa is None or pb is None:
        return Comparison(pa, pb, None, None, n_a, n_b)
    pooled = (k_a + k_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    p = (1.0 if pa == pb else 0.0) if se == 0 else _two_sided_normal_p((pa - pb) / se)
    return Comparison(pa, pb, pa - pb, p, n_a, n_b)


def welch(a: Sequence[float], b: Sequence[float]) -> Comparison:
    """Mean of a minus mean of b with Welch's t-test (unequal variances, two-sided)."""
    ma, mb = mean(a), mean(b)
    if ma is None or mb is None or len(a) < 2 or len(b) < 2:
        return Comparison(ma, mb, None, None, len(a), len(b))
    va = sum((x - ma) ** 2 for x in a) / (len(a) - 1)
    vb = sum((x - mb) ** 2 for x in b) / (len(b) - 1)
    sa, sb = va / len(a), vb / len(b)
    if sa + sb == 0:
        return Comparison(ma, mb, ma - mb, 1.0 if ma == mb else 0.0, len(a), len(b))
    t = (ma - mb) / math.sqrt(sa + sb)
    df = (sa + sb) ** 2 / (sa**2 / (len(a) - 1) + sb**2 / (len(b) - 1))
    from scipy.stats import t as student_t

    p = float(2 * student_t.sf(abs(t), df))
    return Comparison(ma, mb, ma - mb, p, len(a), len(b))
