"""Cold start stays lean: importing a hook module imports neither boto3 nor a database driver.

(Powertools itself imports the bare ``botocore`` package for its user-agent hook: 0.4 ms, no session/client.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("module", ["pre_signup", "post_confirmation", "pre_token_generation"])
def test_importing_a_hook_loads_no_boto3_and_no_driver(module: str) -> None:
    code = (
        f"import sys, triggers.{module}; "
        "heavy = [m for m in ('boto3', 'botocore.session', 'pymysql', 'psycopg') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=True)
    assert done.stdout.strip() == ""
