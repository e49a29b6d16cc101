"""The command line: one module per command (wiring only: argv -> an area -> a view), the
shared Typer app and argument handling in app.py, the entry point in main.py."""
