"""Error classes shared by every package of the project.

Each class inherits both the project's root error and the built-in exception a
caller would expect (r5py style), so ``except ValueError`` keeps working while
``except SitingError`` catches everything this project raises on bad input.
Messages name the file, the column or the row at fault and say how to fix it.
"""

from __future__ import annotations


class SitingError(Exception):
    """Root of every error this project raises on bad input or configuration."""


class MissingFileError(FileNotFoundError, SitingError):
    """An input file named in the configuration does not exist."""


class MissingColumnError(KeyError, SitingError):
    """An expected column is missing from an input table."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class CRSError(ValueError, SitingError):
    """A spatial layer has no coordinate reference system or an unusable one."""


class GeometryTypeError(ValueError, SitingError):
    """A layer holds geometries of the wrong type (e.g. polygons for points)."""


class DuplicateIdError(ValueError, SitingError):
    """Identifiers that must be unique are repeated."""


class EmptyLayerError(ValueError, SitingError):
    """A layer has no usable rows."""


class ValueParseError(ValueError, SitingError):
    """A value cannot be parsed as the expected type (number, date, ...)."""


class OutsideRegionError(ValueError, SitingError):
    """Coordinates fall outside the region being analysed."""


class ConfigError(ValueError, SitingError):
    """The run configuration (TOML) is invalid."""


class NetworkError(ValueError, SitingError):
    """The road network cannot be built or used as asked."""
