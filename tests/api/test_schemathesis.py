"""Schemathesis against the live app, in process: for every operation of the OpenAPI
document, generated valid and invalid parameters; no answer may be a server error or differ
from what the document says (status, content type, headers, body schema)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

pytestmark = pytest.mark.slow

EXAMPLES = 25  # per operation and mode: the whole run stays well under two minutes


def test_schemathesis_finds_no_failure(app, site):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    methods = sum(len(item) for item in schema.raw_schema["paths"].values())
    assert len(operations) == methods
    failures: list[str] = []
    for operation in operations:
        # Nothing can be invalid about a request to an operation without parameters.
        has_parameters = bool(operation.definition.raw.get("parameters"))
        modes = [GenerationMode.POSITIVE] + [GenerationMode.NEGATIVE] * has_parameters
        for mode in modes:

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate()

            try:
                check()
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure
                failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    assert not failures, "\n\n".join(failures)
