"""The daily series: what the model records at the end of each day, and what each one counts.

The DataCollector calls one reporter per series; they all read one summary computed from the
population arrays once a day (participants are the first rows, so the cohort is a slice).
"""

from __future__ import annotations

import threading

import numpy as np
from numba.cpython.unsafe.numbers import trailing_zeros

from simulation.model.compiled import kernel, mask_words
from simulation.model.mechanisms.mentor_wellbeing import BURNOUT_SIGNS_LEVEL
from simulation.model.population import (
    DECEASED,
    LAPSED,
    RECOVERING,
    STATUS_NAMES,
    USING,
    PopulationState,
)

#: Daily series recorded by the DataCollector, with what each one counts.
DAILY_SERIES: dict[str, str] = {
    "day": "days since the program started",
    "in_recovery": "participants in recovery (abstinent) at the end of the day",
    "lapsed": "participants in a lapse at the end of the day",
    "relapsed": "participants using regularly at the end of the day",
    "deceased": "participants who have died",
    "lapses": "lapses today (participants)",
    "relapses": "relapses today (participants)",
    "new_attempts": "new recovery attempts today (participants)",
    "deaths": "deaths today (participants)",
    "lapse_free_share": "share of participants with no lapse so far (deaths not censored)",
    "mentors_active": "peer mentors in the role",
    "mentees_matched": "participants with a mentor",
    "mentor_relapses": "mentors who relapsed today",
    "overdose_deaths": "fatal overdoses today (participants)",
    "enrolled": "participants enrolled in the program",
    "residents": "participants in a residential place",
    "meeting_attendances": "meeting attendances today",
    "engagement_mean": "mean engagement of enrolled participants",
    "mentor_burnout_mean": "mean burnout of active mentors",
    "mentor_burnout_share": "share of active mentors showing burnout signs (burnout >= 0.5)",
    "stigma_mean": "mean perceived stigma of living participants",
    "mental_health_mean": "mean mental health of living participants",
    "cost_to_date": "program cost so far (US dollars)",
    "self_efficacy_mean": "mean self-efficacy of living participants",
    "isolation_mean": "mean isolation of living participants",
    "recovery_tie_share": "share of ties between two people in recovery",
}

#: Series recorded only when referrals arrive over the run (`intake.enabled`), after the others.
INTAKE_SERIES: dict[str, str] = {
    "waiting_list": "enrolled participants not yet served (no mentor contact or place yet)",
    "served_to_date": "participants served so far (first mentor contact or place)",
    "referred_to_date": "participants so far: the day-0 cohort and everyone referred since",
    "caseload_filled": "share of the active mentors' caseload slots in use",
    "places_filled": "share of residential places in use (0 outside the residential setting)",
}

#: Series that count today's events (the model fills them during the step).
EVENT_SERIES = (
    "lapses",
    "relapses",
    "new_attempts",
    "deaths",
    "mentor_relapses",
    "overdose_deaths",
    "meeting_attendances",
)


def summarize_day(
    people: PopulationState,
    n_participants: int,
    n_ties: int,
    recovery_ties: int,
    day: int,
    events: dict[str, int],
    costs: dict[str, float],
) -> dict[str, float]:
    """Every daily series' value for today.

    `recovery_ties` counts ties between two people in recovery, out of `n_ties`.
    """
    n = n_participants
    # One pass over the cohort for every count (and the mask of the living), one over everyone
    # for the mentors; the means are NumPy's masked sums (_masked_sums), a mask's runs found
    # once for every array summed over it.
    alive = np.empty(n, dtype=bool)
    counts = np.zeros(len(STATUS_NAMES), dtype=np.int64)
    lapse_free, matched, n_enrolled, residents = _cohort_counts(
        people.status,
        people.first_lapse_day,
        people.mentor,
        people.enrolled,
        people.residence_days_left,
        DECEASED,
        counts,
        alive,
    )
    mentors, burnout_signs = _mentor_counts(people.is_mentor, people.burnout, BURNOUT_SIGNS_LEVEL)
    n_alive = max(1, int(counts.sum() - counts[DECEASED]))
    enrolled = people.enrolled[:n]
    sums = _masked_sums(
        (people.self_efficacy, people.isolation, people.stigma, people.mental_health), alive, n
    )
    self_efficacy, isolation, stigma, mental_health = (float(s / n_alive) for s in sums)

    return {
        "day": day,
        "in_recovery": int(counts[RECOVERING]),
        "lapsed": int(counts[LAPSED]),
        "relapsed": int(counts[USING]),
        "deceased": int(counts[DECEASED]),
        **{k: events.get(k, 0) for k in EVENT_SERIES},
        "lapse_free_share": float(lapse_free / max(1, n)),
        "mentors_active": mentors,
        "mentees_matched": matched,
        "self_efficacy_mean": self_efficacy,
        "isolation_mean": isolation,
        "recovery_tie_share": recovery_ties / n_ties if n_ties else 0.0,
        "enrolled": n_enrolled,
        "residents": residents,
        "engagement_mean": _mean(people.engagement, enrolled, n_enrolled),
        "mentor_burnout_mean": _mean(people.burnout, people.is_mentor, mentors),
        "mentor_burnout_share": burnout_signs / mentors if mentors else 0.0,
        "stigma_mean": stigma,
        "mental_health_mean": mental_health,
        "cost_to_date": float(sum(costs.values())),
    }


def _mean(values: np.ndarray, mask: np.ndarray, count: int) -> float:
    """Mean of `values` where `mask` (of the first rows) holds; `count` is how many it holds on."""
    return float(_masked_sum(values, mask, len(mask)) / count) if count else 0.0


def _masked_sum(values: np.ndarray, mask: np.ndarray, n: int) -> float:
    """`np.sum(values[:n], where=mask)`, to the last bit (see `_masked_sums`)."""
    return _masked_sums((values,), mask, n)[0]


def _masked_sums(arrays: tuple[np.ndarray, ...], mask: np.ndarray, n: int) -> list[float]:
    """`np.sum(values[:n], where=mask)` of each array, to the last bit, the mask read once.

    NumPy adds the pairwise sum of each run of rows the mask holds on to 0.0 (one call of its
    inner loop per run); the kernels find the runs once (`_runs`) and add each array's runs the
    same way (`_run_sum`), without the per-run call that makes NumPy slow on a scattered mask
    (the enrolled). Other dtypes than float64 go to NumPy.
    """
    if mask.dtype != bool or len(mask) != n:
        return [np.sum(values[:n], where=mask) for values in arrays]
    mask = np.ascontiguousarray(mask)
    bounds = _bounds(n + 1)
    k = _runs(mask, mask_words(mask), bounds)
    return [
        _run_sum(values, bounds, k)
        if values.dtype == np.float64 and len(values) >= n
        else np.sum(values[:n], where=mask)
        for values in arrays
    ]


#: Each thread's buffer for the runs' bounds (`_bounds`).
_scratch = threading.local()


def _bounds(size: int) -> np.ndarray:
    """This thread's int64 buffer for at least `size` bounds, kept from call to call.

    A fresh one a call was most of the cost of a scattered mask's sum (an 800 kB allocation at
    100,000 people, and a page fault per 4 kB of bounds written); one per thread, so models
    stepped in threads never share it.
    """
    buffer = getattr(_scratch, "bounds", None)
    if buffer is None or len(buffer) < size:
        buffer = _scratch.bounds = np.empty(size, dtype=np.int64)
    return buffer


@kernel
def _runs(mask, words, bounds):  # pragma: no cover - compiled
    # The runs of True in `mask` as bounds start, stop, start, stop, ... (their count, even, is
    # returned). `words` is the mask's whole words of 8 rows, viewed as uint64 (numpy bools are
    # the bytes 0 and 1): a word XOR itself moved up a row (the row before shifted in) has a 1
    # in the byte of each row that differs from the one before, and those bytes are read off
    # one by one (trailing zeros), so a word costs its changes, not its 8 rows.
    k = 0
    before = np.uint64(0)  # the last row of the previous word, in the lowest byte
    for w in range(len(words)):
        word = words[w]
        change = word ^ ((word << np.uint64(8)) | before)
        before = word >> np.uint64(56)
        row = np.uint64(8 * w)
        while change:
            bounds[k] = row + (trailing_zeros(change) >> np.uint64(3))
            k += 1
            change &= change - np.uint64(1)
    inside = before != 0
    for i in range(8 * len(words), len(mask)):
        now = mask[i]
        bounds[k] = i
        k += now != inside
        inside = now
    if inside:
        bounds[k] = len(mask)
        k += 1
    return k


@kernel
def _run_sum(values, bounds, k):  # pragma: no cover - compiled
    # NumPy's masked sum: 0.0 plus each run's pairwise sum, in order (a run shorter than
    # _PAIRWISE_UNROLL is added one by one from -0.0, as `_pairwise` would, without the call).
    # Indexes are unsigned, so no read checks for a negative index (see `_pairwise`).
    total = 0.0
    for r in range(0, k, 2):
        start, stop = np.uint64(bounds[r]), np.uint64(bounds[r + 1])
        if stop - start < np.uint64(_PAIRWISE_UNROLL):
            run = -0.0
            for i in range(start, stop):
                run += values[i]
            total += run
        else:
            total += _pairwise(values, start, stop - start)
    return total


#: NumPy's pairwise summation: runs shorter than this are added one by one, longer ones in
#: eight interleaved partial sums, split in halves above `_PAIRWISE_BLOCK` (numpy/_core/src/
#: umath/loops_utils.h.src, `pairwise_sum`).
_PAIRWISE_UNROLL = 8
_PAIRWISE_BLOCK = 128


@kernel
def _pairwise(a, start, n):  # pragma: no cover - compiled
    """NumPy's pairwise sum of a[start:start + n] (the eight partial sums written out).

    `start` and `n` are taken as unsigned: a signed index makes every read check for a negative
    one (Python's a[-1]), which keeps LLVM from loading the eight partial sums' rows as one
    vector; unsigned, the sum runs at about NumPy's own speed (same additions, same order).
    """
    start, n = np.uint64(start), np.uint64(n)
    unroll, one = np.uint64(_PAIRWISE_UNROLL), np.uint64(1)
    if n < unroll:
        res = -0.0
        for i in range(start, start + n):
            res += a[i]
        return res
    if n <= np.uint64(_PAIRWISE_BLOCK):
        r0, r1, r2, r3 = a[start], a[start + one], a[start + np.uint64(2)], a[start + np.uint64(3)]
        r4, r5 = a[start + np.uint64(4)], a[start + np.uint64(5)]
        r6, r7 = a[start + np.uint64(6)], a[start + np.uint64(7)]
        stop = start + n - n % unroll
        j = start + unroll
        while j < stop:
            r0 += a[j]
            r1 += a[j + one]
            r2 += a[j + np.uint64(2)]
            r3 += a[j + np.uint64(3)]
            r4 += a[j + np.uint64(4)]
            r5 += a[j + np.uint64(5)]
            r6 += a[j + np.uint64(6)]
            r7 += a[j + np.uint64(7)]
            j += unroll
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while j < start + n:
            res += a[j]
            j += one
        return res
    half = n // np.uint64(2)
    half -= half % unroll
    return _pairwise(a, start, half) + _pairwise(a, start + half, n - half)


@kernel
def _cohort_counts(
    status, first_lapse_day, mentor, enrolled, residence_days_left, deceased, counts, alive
):
    """Status counts (into `counts`), the living (into `alive`), and four counts of the cohort.

    Written without branches (integer sums, one pass per status code) so the loops vectorise.
    """
    n, codes = alive.shape[0], counts.shape[0]
    for code in range(codes):
        count = 0
        for i in range(n):
            count += np.int64(status[i] == code)
        counts[code] = count
    outside = lapse_free = matched = n_enrolled = residents = 0
    for i in range(n):
        code = status[i]
        outside += np.int64(code < 0) | np.int64(code >= codes)
        alive[i] = code != deceased
        lapse_free += np.int64(first_lapse_day[i] < 0)
        matched += np.int64(mentor[i] >= 0)
        n_enrolled += np.int64(enrolled[i])
        residents += np.int64(residence_days_left[i] != 0)
    if outside:
        raise ValueError("summarize_day: a status code outside STATUS_NAMES")
    return lapse_free, matched, n_enrolled, residents


@kernel
def _mentor_counts(is_mentor, burnout, signs_level):
    """Active mentors, and those of them with burnout at or above `signs_level`."""
    mentors = signs = 0
    for i in range(is_mentor.shape[0]):
        mentor = np.int64(is_mentor[i])
        mentors += mentor
        signs += mentor & np.int64(burnout[i] >= signs_level)
    return mentors, signs
