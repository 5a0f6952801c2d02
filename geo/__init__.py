"""Pure computation: road network, accessibility, scoring, siting and scenarios.

Nothing in ``geo`` reads or writes files; it works on GeoDataFrames, DataFrames
and arrays handed to it by :mod:`layers` and returns new ones.
"""
