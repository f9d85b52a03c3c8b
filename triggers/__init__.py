"""Cognito user-pool Lambda triggers: one module per trigger, each exposing ``handler(event, context)``."""
