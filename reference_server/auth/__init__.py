"""The auth service: identity, sessions, billing, IAM, teams, pending tokens, audit logs, JWKS.

Each module registers its handlers with ``@handler(operationId)``; ``reference_server.app.load_handlers`` imports
them all.
"""
