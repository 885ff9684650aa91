"""starrating: star ratings for service staff, driven by a policy language."""

__version__ = "0.1.0"
