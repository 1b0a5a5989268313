"""`python -m dpse …` is the same as the `dpse` command."""

from dpse.cli import main

main()
