"""Every derivation in ../shared/seeds/ reproduced by the engine (see ERRATA.md for the slips)."""
