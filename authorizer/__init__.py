"""API Gateway Lambda authorizer for Amazon Cognito tokens (``authorizer.handler.handler``)."""
