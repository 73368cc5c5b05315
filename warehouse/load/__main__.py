"""`python -m warehouse.load`: see `warehouse.load.cli`."""

from warehouse.load.cli import main

raise SystemExit(main())
