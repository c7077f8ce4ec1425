"""Schemathesis hooks for servicefit, loaded through SCHEMATHESIS_HOOKS by run.sh."""

import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"^[!-~]{1,255}$")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Gives every generated request with a valid Idempotency-Key a key of its own, and keeps
    `light_users` within `employees` (see `light_users_within_employees`).

    Generated keys repeat (hypothesis favours small examples such as "0"), and a key sent again
    with another body is answered 422, as the contract and the IETF Idempotency-Key draft say.
    Schemathesis' positive-data check would count that 422 as valid data refused. Malformed keys
    are kept, so the negative checks still see them refused with 400.
    """
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and VALID_KEY.match(str(headers[name])):
            headers[name] = str(uuid.uuid4())
    light_users_within_employees(case)
    return None


def light_users_within_employees(case):
    """Keeps `light_users` within `employees`, a rule across two fields JSON Schema cannot state.

    The document says it in the field's description; a body breaking it is answered 422 naming
    `light_users` (tests/questionnaire.rs and the unit tests check that message), which the
    positive-data check would otherwise count as valid data refused.
    """
    body = case.body
    if isinstance(body, dict):
        light, people = body.get("light_users"), body.get("employees")
        def number(v):
            # JSON Schema's integers include 845.0; booleans are not numbers here.
            return isinstance(v, (int, float)) and not isinstance(v, bool)

        if number(light) and number(people) and light > people >= 0:
            body["light_users"] = people
