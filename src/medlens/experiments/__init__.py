"""Experiments: declared grids of training runs executed as Ray Tune trials, and their tables.

``spec`` reads the YAML, ``protocol`` makes the data a paper used, ``runner`` runs the trials on
Ray (resume at the run-folder level), ``table`` / ``compare`` / ``report`` turn the run folders into
the results table with paired comparisons against a reference trial.
"""

from medlens.experiments.spec import ExperimentError, ExperimentSpec, Trial, load_experiment

__all__ = ["ExperimentError", "ExperimentSpec", "Trial", "load_experiment"]
