"""One module per ``conformance`` subcommand."""
