"""`python -m cgcli`: the same as the `cg` command."""
from .cli.main import run_main

run_main()
