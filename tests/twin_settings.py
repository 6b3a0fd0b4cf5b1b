"""Settings shared by the broken-twin tests of the property modules.

A twin test expects its property to fail on a broken class; the first failing example is
enough, so shrinking (and the explain phase after it) is skipped.
"""

from hypothesis import Phase, settings

NO_SHRINK = settings(phases=[Phase.explicit, Phase.generate])
