"""One module per ``legacy-auth`` sub-command: ``add_parser(subparsers)`` and ``run(args, ...)``."""
