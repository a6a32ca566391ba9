"""dinnerbot: never eat alone on a business trip."""

__version__ = "0.1.0"
