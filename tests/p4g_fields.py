"""PersuasionForGood persuadee questionnaire fields, in file order (from its README).

Shared by the loader tests and the metadata-encoder tests, which both check them against
the real dataset.
"""

CATEGORICAL = ("sex", "race", "edu", "marital", "employment", "religion", "ideology")
TRAITS = (
    "extrovert", "agreeable", "conscientious", "neurotic", "open", "care", "fairness",
    "loyalty", "authority", "purity", "freedom", "conform", "tradition", "benevolence",
    "universalism", "self_direction", "stimulation", "hedonism", "achievement", "power",
    "security", "rational", "intuitive", "age", "sex", "race", "edu", "marital",
    "employment", "income", "religion", "ideology",
)  # fmt: skip
NUMERIC = tuple(t for t in TRAITS if t not in CATEGORICAL)
