"""Renderers: offline folium maps, tables and reports built from computed columns."""
