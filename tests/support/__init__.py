"""Test-suite machinery that is not a fixture: the tiers (markers applied by path) and their guards, legacy tables on
real databases (``legacy_db``), reference hash implementations (``reference_hashes``) and trigger calls
(``trigger_calls``)."""
