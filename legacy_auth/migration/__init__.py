"""The migrate-user feature: UserMigration's policy and everything only it uses.

Modules: ``policy`` (pure ``migrate_user`` / ``lookup_for_reset``), ``attributes`` (the Cognito attributes returned),
``store`` (``LegacyUser`` look-ups through the presets), ``tracking`` (the migration tracking table), ``canonical``
(one legacy account, one Cognito user), ``lockout`` (the guess lockout) and ``config`` (``Settings``, the
``LEGACY_*`` variables). It imports the shared top-level modules, ``hashing``, ``db`` and ``presets``; never ``hooks``
or ``cli``.
"""
