"""Importers: problem sets in other projects' formats turned into kernelhub tasks."""
