"""A Lambda context object for running handlers outside AWS (local stack, tests, benchmarks)."""

from __future__ import annotations

import time
import uuid


class LocalLambdaContext:
    """The subset of ``awslambdaric``'s ``LambdaContext`` our handlers and Powertools use.

    ``get_remaining_time_in_millis()`` counts down from ``timeout_ms`` as real time passes, so
    deadline-derived DB timeouts behave as they would in Lambda.
    """

    def __init__(self, function_name: str = "local-function", timeout_ms: int = 5000, memory_mb: int = 1024) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-1:000000000000:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_ms / 1000.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
