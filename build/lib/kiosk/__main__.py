"""`python -m kiosk ...` is the same as the `kiosk` command."""
from .cli import main

main()
