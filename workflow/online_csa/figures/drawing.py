"""Draw the figure a rule names. A plot rule's param `draw={"tornado": "model_figures.plot_tornado"}`
says which function draws each output, so the rule leads straight to the code of each figure;
the function is called with the rule's inputs and params named like its arguments."""
from __future__ import annotations

import inspect

import matplotlib
import pandas as pd

from online_csa.common.tables import read_table
from online_csa.figures import data_figures, model_figures

# imported above, not by name at run time, so that a rule's code inputs include them
MODULES = {"data_figures": data_figures, "model_figures": model_figures}

# inputs read with their column types (online_csa.common.tables); any other input is a plain CSV
TYPED_TABLES = ("panel", "claims")


def figure_function(name: str):
    """"model_figures.plot_tornado" -> the function."""
    module, _, function = name.partition(".")
    if module not in MODULES or not hasattr(MODULES[module], function):
        raise ValueError(f"no figure function {name!r}: name one as module.function, the module one of "
                         f"{', '.join(MODULES)}")
    return getattr(MODULES[module], function)


def figure_arguments(function, input, params) -> dict:
    """The function's arguments from the job: an input (read as a table) or a param of the same name."""
    arguments = {}
    for name in inspect.signature(function).parameters:
        if name in input.keys():
            arguments[name] = read_table(input[name], name) if name in TYPED_TABLES else pd.read_csv(input[name])
        elif name in params.keys():
            arguments[name] = params[name]
        else:
            raise KeyError(f"{function.__name__} needs {name!r}: give the rule an input or a param of that name")
    return arguments


def draw_figure(name: str, input, params):
    function = figure_function(name)
    return function(**figure_arguments(function, input, params))


def draw_job_figures(input, output, params) -> None:
    """Draw every figure the job's `draw` param names, each to the output of the same name. The
    figures' style is undone afterwards, so a chapter run next in the same process draws its own
    plots as it would alone."""
    with matplotlib.rc_context():
        for name, function in params["draw"].items():
            data_figures.save(draw_figure(function, input, params), output[name], params["dpi"])
