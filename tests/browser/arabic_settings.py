"""The test settings with Arabic offered, as if its catalogue had landed (issue 13): Django
ships Arabic for its own words, so the right-to-left layout can be checked in a browser before
the translation exists. The page text stays English."""

from config.settings.test import *  # noqa: F403
from config.settings.test import LANGUAGES

LANGUAGES = [*LANGUAGES, ("ar", "Arabic")]
