"""python -m xwebhook.cli: the same as the `xwebhook` console script."""

from xwebhook.cli.app import main

main()
