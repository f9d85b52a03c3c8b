"""Legacy user verification for Amazon Cognito user migration.

Keep this module import-light: Lambda cold starts import it.
"""

__version__ = "0.1.0"
