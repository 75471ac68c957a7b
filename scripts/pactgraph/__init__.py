"""pactgraph: an open knowledge graph of states, security agreements and territories."""

from .version import VERSION as __version__

__all__ = ["__version__"]
