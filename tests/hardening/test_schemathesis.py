"""Schemathesis against the OpenAPI document the gateway serves, as a logged-in user.

Every operation but `DELETE /me`, `POST /auth/logout` and `POST /me/password` (they would end
the session, or count wrong guesses against the user's login throttle; the e2e, accounts and
browser suites cover them) gets examples, coverage (boundary values) and random cases, valid and
invalid, and each answer must be no 5xx, a documented status, content type, headers and body,
and invalid data must be refused. A stateful phase follows the links schemathesis infers from
the `Location` headers of creations. Valid cases are aimed at records that exist, so they reach
the handlers rather than stopping at a 404; run, compare and solve get a plannable profile and
at most 200 paths. The whole run is bounded by case counts (about 2,700 cases, 1.5–2 minutes).
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.core.parameters import ParameterLocation
from schemathesis.engine import events
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

from .conftest import Cluster, User, sign_up
from .resources import (
    METHODS,
    PLANNABLE_PROFILE,
    PREFIX,
    creatable_collections,
    create_one_of_each,
    creation_body,
    fill,
)

pytestmark = pytest.mark.e2e

# Another seed or more examples explore further: NESTEGG_SCHEMATHESIS_SEED=7 make test …
SEED = int(os.environ.get("NESTEGG_SCHEMATHESIS_SEED", "82026"))
EXCLUDED = ["deleteMe", "logOut", "changePassword"]
HEAVY = ["runProjection", "compareScenarios", "solveProjection"]
MAX_PATHS = 200  # the largest `paths` a generated body may ask the engine for
MIN_CASES = 1_000
# Random cases per operation and generation mode, on top of the examples and coverage cases.
MAX_EXAMPLES = int(os.environ.get("NESTEGG_SCHEMATHESIS_EXAMPLES", "5"))
HEAVY_MAX_EXAMPLES = 8
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
]
# Every way the API refuses a request; a 2xx or 5xx to invalid data is a failure.
REJECTIONS = [400, 401, 404, 405, 409, 412, 413, 415, 422, 429]
_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True)
class Known:
    """A defect found earlier; its reproduction is a strict xfail in test_findings.py."""

    test: str
    matches: Callable[[schemathesis.Case, int], bool]


# Failures these match are dropped from the run (and counted): remove an entry with the xfail
# mark of its test once the defect is fixed.
KNOWN: tuple[Known, ...] = ()


@dataclass
class Target:
    """Records of the fuzzing user that valid cases are aimed at, re-made when deleted."""

    client: httpx.Client
    api: str
    user: User
    document: dict[str, Any]
    ids: dict[str, str]

    def live_id(self, collection: str) -> str:
        """Return the id of a record of the collection that exists now."""
        path = fill(collection, self.ids) + "/" + self.ids[collection]
        if self.client.get(self.api + path, headers=self.user.auth).status_code != 200:
            for parent in creatable_collections(self.document):
                if collection.startswith(parent + "/"):
                    self.live_id(parent)
            answer = self.client.post(
                self.api + fill(collection, self.ids),
                json=creation_body(self.document, collection),
                headers=self.user.auth,
            )
            assert answer.status_code == 201, answer.text
            self.ids[collection] = answer.json()["id"]
        return self.ids[collection]

    def aim(self, case: schemathesis.Case) -> None:
        """Point a valid case at live records, past `If-Match`; keep engine work small."""
        template = case.operation.path.removeprefix(PREFIX)
        if case.path_parameters and is_valid(case, ParameterLocation.PATH):
            for match in _PARAM.finditer(template):
                case.path_parameters[match.group(1)] = self.live_id(template[: match.start() - 1])
        if case.headers and "If-Match" in case.headers and is_valid(case, ParameterLocation.HEADER):
            case.headers["If-Match"] = "*"  # else nearly every change stops at 412
        if (
            isinstance(case.body, dict)
            and isinstance(case.body.get("scenario_id"), str)
            and is_valid(case, ParameterLocation.BODY)
        ):
            case.body["scenario_id"] = self.live_id(template.rsplit("/", 1)[0] + "/scenarios")
        if case.operation.definition.raw.get("operationId") in HEAVY:
            profile = self.client.put(
                self.api + "/me/profile", json=PLANNABLE_PROFILE, headers=self.user.auth
            )
            assert profile.status_code == 200, profile.text
        clamp_paths(case.body)


def is_valid(case: schemathesis.Case, location: ParameterLocation) -> bool:
    """Tell whether a part of the case was generated to conform to the document."""
    component = case.meta.components.get(location) if case.meta else None
    return component is None or component.mode.is_positive


def clamp_paths(body: Any) -> None:
    """Bring every valid `paths` above MAX_PATHS down into 1..MAX_PATHS, leaving invalid ones."""
    if isinstance(body, dict):
        for key, value in body.items():
            if key == "paths" and type(value) is int and MAX_PATHS < value <= 100_000:
                body[key] = value % MAX_PATHS + 1
            else:
                clamp_paths(value)
    elif isinstance(body, list):
        for item in body:
            clamp_paths(item)


@pytest.fixture(scope="module")
def fuzz_user(cluster: Cluster, document: dict[str, Any]) -> Iterator[Target]:
    with httpx.Client(timeout=30.0) as client:
        user = sign_up(client, cluster.api(""), "fuzz")
        profile = client.put(cluster.api("/me/profile"), json=PLANNABLE_PROFILE, headers=user.auth)
        assert profile.status_code == 200, profile.text
        ids = create_one_of_each(client, cluster.api(""), user.auth, document)
        yield Target(client, cluster.api(""), user, document, ids)


@dataclass
class Finding:
    """One failed check: where, with what, and what came back."""

    check: str
    operation: str
    title: str
    message: str
    status: int | None
    curl: str

    def __str__(self) -> str:
        return (
            f"[{self.check}] {self.operation}: {self.title} (HTTP {self.status})\n"
            f"    {self.message.strip()[:600]}\n    {self.curl}"
        )


@dataclass
class Outcome:
    """The whole run, as the engine reported it."""

    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0
    known: Counter[str] = field(default_factory=Counter)
    stop_reason: str = ""

    @property
    def total(self) -> int:
        return sum(self.cases.values())

    def add(self, recorder: Any) -> None:
        for interaction in recorder.interactions.values():
            if interaction.response is None:
                continue
            self.cases[recorder.label] += 1
            self.statuses[(recorder.label, interaction.response.status_code)] += 1
        for case_id, checks in recorder.checks.items():
            for check in checks:
                if check.failure_info is None:
                    continue
                failure = check.failure_info.failure
                response = recorder.find_response(case_id=case_id)
                self.findings.append(
                    Finding(
                        check=check.name,
                        operation=recorder.label,
                        title=failure.title,
                        message=failure.message,
                        status=response.status_code if response else None,
                        curl=check.failure_info.steps[-1].curl
                        if check.failure_info.steps
                        else check.failure_info.code_sample,
                    )
                )

    def report(self) -> str:
        lines = [
            f"schemathesis: {self.total} cases over {len(self.cases)} operations "
            f"in {self.elapsed_s:.0f} s ({self.stop_reason})"
        ]
        for label, count in sorted(self.cases.items()):
            statuses = {s: n for (op, s), n in sorted(self.statuses.items()) if op == label}
            lines.append(f"  {count:4d}  {label}  {statuses}")
        lines += [f"  known defect, {n} failures dropped: {t}" for t, n in self.known.items()]
        lines += [str(f) for f in self.findings] + self.errors
        return "\n".join(lines)


def api_schema(gateway_url: str, document: dict[str, Any], user: User) -> schemathesis.BaseSchema:
    """Load the served document; every call made as `user`, the run bounded in cases and time."""
    checks: dict[str, Any] = {"enabled": False} | {name: {"enabled": True} for name in CHECKS}
    checks["negative_data_rejection"]["expected-statuses"] = REJECTIONS
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": gateway_url,
            "headers": user.auth,
            "request-timeout": 30,
            # No example database or cache: every run starts from the seed alone.
            "cache": {"enabled": False},
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
            "checks": checks,
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": 5},
            },
            "operations": [
                {"include-operation-id": EXCLUDED, "enabled": False},
                {
                    "include-operation-id": HEAVY,
                    "generation": {"max-examples": HEAVY_MAX_EXAMPLES},
                    "phases": {"coverage": {"enabled": False}},
                },
            ],
        }
    )
    return schemathesis.openapi.from_dict(document, config=config)


@pytest.fixture(scope="module")
def outcome(cluster: Cluster, document: dict[str, Any], fuzz_user: Target) -> Outcome:
    """Run schemathesis once for the module; valid cases aimed at live records."""

    def before_call(context: Any, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
        fuzz_user.aim(case)

    def filter_failure(context: Any, failure: Any, case: schemathesis.Case, response: Any) -> bool:
        for known in KNOWN:
            if known.matches(case, response.status_code):
                result.known[known.test] += 1
                return False
        return True

    schema = api_schema(cluster.gateway_url, document, fuzz_user.user)
    result = Outcome()
    started = time.monotonic()
    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(before_call, "before_call")
    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(filter_failure, "filter_failure")
    try:
        for event in schemathesis.engine.from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                result.add(event.recorder)
            elif isinstance(event, events.NonFatalError | events.FatalError):
                result.errors.append(f"error: {event!r}"[:800])
            elif isinstance(event, events.EngineFinished):
                result.stop_reason = str(event.stop_reason)
    finally:
        GLOBAL_HOOK_DISPATCHER.unregister(before_call)
        GLOBAL_HOOK_DISPATCHER.unregister(filter_failure)
    result.elapsed_s = time.monotonic() - started
    print("\n" + result.report())
    return result


def test_schemathesis_finds_no_server_error_and_no_departure_from_the_document(
    outcome: Outcome,
) -> None:
    assert not outcome.findings and not outcome.errors, outcome.report()


def test_schemathesis_ran_at_least_a_thousand_cases_over_every_operation(
    outcome: Outcome, document: dict[str, Any]
) -> None:
    documented = {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS and operation["operationId"] not in EXCLUDED
    }
    assert documented <= set(outcome.cases), sorted(documented - set(outcome.cases))
    assert outcome.total >= MIN_CASES, outcome.report()
