"""Evaluation: the project's own labelled set and the public benchmarks, as plain functions."""
