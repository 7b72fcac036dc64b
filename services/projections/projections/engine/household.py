"""The household on one timeline (DESIGN §6.1): who is in it, their ages, how many rows to run."""

from __future__ import annotations

from datetime import date

from .plan import Plan, _Person

# Stochastic lifespans run every path until the last person could be alive (DESIGN §6.1).
LAST_AGE = 120


def completed_years(birth_date: date, today: date) -> int:
    """Return the completed years between a birth date and today."""
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)


def current_age(person: _Person, today: date) -> int:
    """Return a person's age on the run date (birth_date wins over current_age)."""
    if person.birth_date is not None:
        if person.birth_date > today:
            raise ValueError("birth_date is in the future")
        return completed_years(person.birth_date, today)
    assert person.current_age is not None  # the model's validator guarantees one of them
    return person.current_age


def plan_rows(plan: Plan, today: date) -> int:
    """Return the number of funded years (rows before the final one) the plan runs.

    Fixed longevity funds the years until the last death; stochastic runs to age 120 of
    whoever could live longest.
    """
    people: list[_Person] = [plan.profile]
    if plan.profile.partner is not None:
        people.append(plan.profile.partner)
    stochastic = plan.assumptions.longevity == "stochastic"
    return max(
        (LAST_AGE if stochastic else person.life_expectancy) - current_age(person, today)
        for person in people
    )
