"""Shared test configuration: Hypothesis profiles.

``ci`` (the default, used by ``.ci/run``) is derandomized so CI is reproducible;
``thorough`` runs thousands of examples for local proof runs::

    HYPOTHESIS_PROFILE=thorough pytest
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
