"""Views render a finished Result; none of them computes a value or a gradient."""
