"""考核表彰: the points rule, in one place.

Every person who completed a step of the case (mediators, liaison officers, professionals; not the assessing
supervisor) earns:
- 10 points per step they completed;
- 5 points if every step they completed was done by its due moment (its clock: ``cases.deadlines.on_time``);
- the satisfaction bonus: 2 × (satisfaction − 1), satisfaction on 1–5 (满意 = 5, 基本满意 = 4, 不满意 = 2);
- the quality bonus: 2 × the supervisor's quality score (1–5).
"""

from dataclasses import dataclass

POINTS_PER_STEP = 10
ON_TIME_BONUS = 5
SATISFACTION_BY_ANSWER = {"satisfied": 5, "basically_satisfied": 4, "dissatisfied": 2}


@dataclass(frozen=True)
class StepDone:
    person_id: int
    on_time: bool


def points_for(*, steps: list[StepDone], satisfaction: int, quality_score: int) -> dict[int, tuple[int, str]]:
    """Points per person id, with a short breakdown for the record."""
    by_person: dict[int, list[StepDone]] = {}
    for step in steps:
        by_person.setdefault(step.person_id, []).append(step)
    awards = {}
    for person_id, done in by_person.items():
        step_points = POINTS_PER_STEP * len(done)
        on_time = ON_TIME_BONUS if all(s.on_time for s in done) else 0
        satisfaction_bonus = 2 * (satisfaction - 1)
        quality_bonus = 2 * quality_score
        total = step_points + on_time + satisfaction_bonus + quality_bonus
        awards[person_id] = (total, f"{step_points}+{on_time}+{satisfaction_bonus}+{quality_bonus}")
    return awards
