"""The hooks feature: PreSignUp, PostConfirmation and PreTokenGeneration logic, and the admin ``reconcile``.

Modules: ``signup_policy``, ``signup_guard`` and ``signup_identity`` (PreSignUp), ``provisioning`` and
``provisioning_failures`` (the app-user upsert and its failures table), ``reconcile`` (repairs), ``claims``
(PreTokenGeneration), ``cognito_users`` (ListUsers / provider linking), ``app_schema`` (the app tables' DDL) and
``config`` (``HookSettings``, the ``HOOKS_*`` variables). It imports the shared top-level modules, ``db``,
``presets`` and ``migration``'s tracking; never ``cli``.
"""
