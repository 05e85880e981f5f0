"""``python -m colloquy`` runs the CLI."""

from colloquy.services.cli.main import main

raise SystemExit(main())
