"""Marsad: a stream-processing pipeline over Arabic news about Libya and Turkey."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("marsad")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+src"

from streams.compiled import use_fresh_sources

use_fresh_sources()  # before any analysis module is imported: an edited source is what runs
