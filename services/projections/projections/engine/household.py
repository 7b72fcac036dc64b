"""The household on one timeline (DESIGN §6.1): who is in it, their ages, who is alive when."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from .mortality import death_ages
from .plan import Plan, _Person
from .social_security import ssa_birth_year

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Stochastic lifespans run every path until the last person could be alive (DESIGN §6.1).
LAST_AGE = 120
FIRST, SECOND = 0, 1


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


def _people(plan: Plan) -> list[_Person]:
    """Return the first person and, when there is one, the partner."""
    partner = plan.profile.partner
    return [plan.profile] if partner is None else [plan.profile, partner]


def plan_rows(plan: Plan, today: date) -> int:
    """Return the number of funded years (rows before the final one) the plan runs.

    Fixed longevity funds the years until the last death; stochastic runs to age 120 of
    whoever could live longest.
    """
    stochastic = plan.assumptions.longevity == "stochastic"
    return max(
        (LAST_AGE if stochastic else person.life_expectancy) - current_age(person, today)
        for person in _people(plan)
    )


@dataclass(frozen=True)
class Person:
    """Hold one person's resolved dates."""

    age: int  # completed years on the run date
    retirement_age: int
    life_expectancy: int
    sex: str
    # SSA's birth year: someone born on 1 January attains their ages on 31 December, so SSA
    # files them under the year before; with only an age, the run year less the age.
    birth_year: int


@dataclass(frozen=True)
class Household:
    """Hold the people, the number of funded rows and the calendar year of row 0."""

    people: tuple[Person, ...]
    rows: int
    first_year: int
    married_joint: bool
    stochastic: bool

    @property
    def first(self) -> Person:
        """Return the first person (rows are labelled with their age)."""
        return self.people[FIRST]

    @property
    def partner(self) -> Person | None:
        """Return the partner, if any."""
        return self.people[SECOND] if len(self.people) > 1 else None

    def ages(self, who: int) -> IntArray:
        """Return a person's age in each row, the final "what is left" row included."""
        return self.people[who].age + np.arange(self.rows + 1, dtype=np.int64)

    def retirement_row(self, who: int) -> int:
        """Return a person's first retirement row, clamped to the plan."""
        person = self.people[who]
        return min(max(person.retirement_age - person.age, 0), self.rows)

    @property
    def retirement_index(self) -> int:
        """Return the household's first retirement row: the first row nobody works in."""
        return max(self.retirement_row(who) for who in range(len(self.people)))


def _person(person: _Person, today: date) -> Person:
    age = current_age(person, today)
    if age >= person.life_expectancy:
        raise ValueError("current age must be below life_expectancy")
    if person.birth_date is not None:
        birth_year = ssa_birth_year(person.birth_date)
    else:
        birth_year = today.year - age
    return Person(age, person.retirement_age, person.life_expectancy, person.sex, birth_year)


def resolve_household(plan: Plan, today: date) -> Household:
    """Resolve each person's age and the plan's span on the run date."""
    people = tuple(_person(person, today) for person in _people(plan))
    return Household(
        people=people,
        rows=plan_rows(plan, today),
        first_year=today.year,
        married_joint=plan.profile.filing_status == "married_joint",
        stochastic=plan.assumptions.longevity == "stochastic",
    )


@dataclass(frozen=True)
class Lives:
    """Hold each person's death age per path: the age of the first row they are not alive in.

    Flows depend on the paths' lives only through the pair of death ages, so they are worked
    out once per distinct pair (a *column*) and each path points at its column: fixed
    longevity has one column shared by every path; stochastic lifespans have one per distinct
    drawn pair (a few thousand at most for a couple, under 120 for one person).
    """

    death_ages: tuple[IntArray, ...]  # one (paths,) array per person; (1,) when fixed
    columns: tuple[IntArray, ...]  # one (columns,) array per person: the distinct pairs
    column: IntArray | None  # (paths,): each path's column; None = the one shared column

    @classmethod
    def of(cls, death_ages: tuple[IntArray, ...], *, shared: bool) -> Lives:
        """Return lives with their distinct columns (one shared column when `shared`)."""
        if shared:
            return cls(death_ages, death_ages, None)
        # One integer per path encodes the pair (ages are below 128).
        code = death_ages[FIRST].copy()
        for ages in death_ages[1:]:
            code = code * 128 + ages
        unique, column = np.unique(code, return_inverse=True)
        columns = []
        for _ in death_ages:
            columns.append(unique % 128)
            unique = unique // 128
        return cls(death_ages, tuple(reversed(columns)), column.astype(np.intp))

    @property
    def width(self) -> int:
        """Return the number of columns."""
        return int(self.columns[FIRST].size)

    def alive(self, household: Household, who: int) -> BoolArray:
        """Return (rows + 1, columns): whether a person is alive at the start of each row."""
        ages = household.ages(who)
        return ages[:, None] < self.columns[who][None, :]

    def alive_on_paths(self, household: Household) -> BoolArray:
        """Return (rows + 1, paths, or 1 when fixed): whether someone is alive on each path."""
        ages = household.ages(FIRST)
        alive = ages[:, None] < self.death_ages[FIRST][None, :]
        for who in range(1, len(self.death_ages)):
            alive |= household.ages(who)[:, None] < self.death_ages[who][None, :]
        return alive


def fixed_lives(household: Household) -> Lives:
    """Return lives that end at each person's life expectancy."""
    ages = tuple(np.array([p.life_expectancy], dtype=np.int64) for p in household.people)
    return Lives.of(ages, shared=True)


def lifespan_rng(seed: int) -> np.random.Generator:
    """Return the lifespan stream of a seed, apart from the return matrices' stream.

    Returns draw from PCG64(seed) itself; lifespans from its first spawned child, so that a
    seed's return matrices stay exactly engine 1's whatever the longevity.
    """
    child = np.random.SeedSequence(seed).spawn(1)[0]
    return np.random.Generator(np.random.PCG64(child))


def draw_lives(household: Household, seed: int, draws: int) -> Lives:
    """Draw each person's death age on every path from the SSA period life table."""
    rng = lifespan_rng(seed)
    drawn = tuple(death_ages(rng, age=p.age, sex=p.sex, draws=draws) for p in household.people)
    return Lives.of(drawn, shared=False)


def crossings(windows: int, paths: int) -> int:
    """Return how many lifespan draws each historical start year is crossed with.

    Enough for the total to reach the requested paths: ceil(paths / start years), at least 1.
    """
    return max(1, math.ceil(paths / windows))
