"""Example code that is not part of the service: the example backend behind the authorizer (``template.yaml``)."""
