"""Keep the loggers of libraries whose DEBUG output carries secrets at WARNING or above.

botocore logs request and response bodies at DEBUG (a Secrets Manager ``GetSecretValue`` answer holds the
DB password), pymysql/psycopg can log SQL parameters, Powertools can log events. Setting the level on each
library's own logger (not relying on the root logger's level) keeps them quiet even when the root logger
is raised to DEBUG later, e.g. by ``logging.basicConfig(level=DEBUG)`` after the cold start.
"""

from __future__ import annotations

import logging

#: Libraries whose DEBUG/INFO output can contain secrets (request bodies, SQL parameters, events).
NOISY_LOGGERS: tuple[str, ...] = (
    "botocore", "boto3", "urllib3", "s3transfer", "pymysql", "psycopg", "aws_lambda_powertools",
)


def quiet_noisy_loggers() -> None:
    """Give each noisy library logger an explicit level of at least WARNING.

    An unset (``NOTSET``) level would inherit the root logger's, which may be lowered at any time; a level
    below WARNING set by someone else is raised. Levels above WARNING are left alone.
    """
    for name in NOISY_LOGGERS:
        lib = logging.getLogger(name)
        if lib.level == logging.NOTSET or lib.level < logging.WARNING:
            lib.setLevel(logging.WARNING)
