"""`python -m starrating`."""

from .cli import main

main()
