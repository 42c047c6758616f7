"""binpost: bulletins for Belgian neighbourhood information networks, as docs-as-code."""

__version__ = "0.1.0"
