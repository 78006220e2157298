"""One module per `autograder` command; each exposes `register(subparsers)`."""
