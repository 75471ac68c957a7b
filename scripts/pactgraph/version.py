"""The release identity, in one place.

Built artefacts carry these values, never the clock, so that the same inputs give the same bytes.
The ontology's owl:versionInfo must equal VERSION (a test checks it).
"""

VERSION = "0.1.0"
RELEASE_DATE = "2026-11-29"
