"""Per-region (tenant) CloudFormation: the data stack rendered from ``infrastructure.definitions`` and the app stack
(``chalice package`` merged with the data stack's outputs). ``python -m infrastructure.aws --help``."""
