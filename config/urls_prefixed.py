"""The URLconf of requests whose address names the default language (``/en/report/``).

Someone whose browser asks for another language chose English by following an ``/en/`` link;
here English is prefixed like every other language, so each link the page makes keeps that
choice (core.language_choice).
"""

from config.urls import PAGES, UNPREFIXED, handler404, handler500
from core.language_choice import page_patterns

urlpatterns = [*UNPREFIXED, *page_patterns(*PAGES, prefix_default_language=True)]

__all__ = ["handler404", "handler500", "urlpatterns"]
