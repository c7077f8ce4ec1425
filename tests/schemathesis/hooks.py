"""Schemathesis hooks for servicefit, loaded through SCHEMATHESIS_HOOKS by run.sh."""

import re
import uuid

import schemathesis

VALID_KEY = re.compile(r"^[!-~]{1,255}$")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Gives every generated request with a valid Idempotency-Key a key of its own.

    Generated keys repeat (hypothesis favours small examples such as "0"), and a key sent again
    with another body is answered 422, as the contract and the IETF Idempotency-Key draft say.
    Schemathesis' positive-data check would count that 422 as valid data refused. Malformed keys
    are kept, so the negative checks still see them refused with 400.
    """
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and VALID_KEY.match(str(headers[name])):
            headers[name] = str(uuid.uuid4())
    return None
