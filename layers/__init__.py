"""Input layers: read a source, validate it and return a canonical GeoDataFrame.

All file I/O of the core lives here (and in ``build_maps.py`` at the CLI edge).
"""
